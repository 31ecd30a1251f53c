import Foundation
import TensorCore

/// What users call a checkpoint: a state dict plus training metadata.
///
/// The state dict is found under `model_state_dict`, `state_dict`, `model` or `net`, or is the
/// file's root dict itself.
public struct Checkpoint: Sendable {
    /// Everything the file holds.
    public var root: PickleValue
    public var stateDict: StateDict
    /// Where the state dict was found (`model_state_dict`, …), nil when it is the root.
    public var stateDictKey: String?
    /// `module.` when the keys had `nn.DataParallel`'s prefix and it was stripped.
    public var strippedPrefix: String?
    /// `module.` when every key carries it (stripped or not).
    public var detectedPrefix: String?
    public var epoch: Int?
    public var valMAE: Double?

    static let stateDictKeys = ["model_state_dict", "state_dict", "model", "net"]

    /// Finds the state dict and metadata in a loaded value.
    public init(root: PickleValue, source: String, stripModulePrefix: Bool = true) throws {
        self.root = root
        var found: (String?, StateDict)?
        for key in Checkpoint.stateDictKeys {
            if let v = root[key], let sd = StateDict(v) {
                found = (key, sd)
                break
            }
        }
        if found == nil, let sd = StateDict(root) { found = (nil, sd) }
        guard let (key, sd) = found else {
            throw TorchIOError(
                path: source,
                problem:
                    "no state dict was found (looked for a dict of tensors at the root and under \(Checkpoint.stateDictKeys.joined(separator: ", ")))",
                advice:
                    "save the model with torch.save(model.state_dict(), path) or a dict holding it under 'model_state_dict'"
            )
        }
        stateDictKey = key
        stateDict = sd
        if let stripped = sd.strippingPrefix("module.") {
            detectedPrefix = "module."
            if stripModulePrefix {
                stateDict = stripped
                strippedPrefix = "module."
            }
        }
        epoch = root["epoch"]?.intValue
        valMAE = (root["val_mae"] ?? root["best_val_mae"])?.doubleValue
    }

    /// Loads a checkpoint; `module.` prefixes are stripped by default and reported in ``strippedPrefix``.
    public static func load(_ url: URL, stripModulePrefix: Bool = true) throws -> Checkpoint {
        try Checkpoint(root: TorchFile.load(url), source: url.path, stripModulePrefix: stripModulePrefix)
    }
}
