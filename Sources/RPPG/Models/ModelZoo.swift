import NN
import TensorCore
import TorchIO

/// The models the workflow knows by name.
public enum ZooArchitecture: String, CaseIterable, Sendable {
    case tinyPulse = "tinypulse"
    case physNet = "physnet"
    case factorizePhys = "factorizephys"
    case tinyPulse2D = "tinypulse2d"

    /// Display name.
    public var displayName: String {
        switch self {
        case .tinyPulse: return "TinyPulse"
        case .physNet: return "PhysNet (rPPG-Toolbox PhysNet_padding_Encoder_Decoder_MAX)"
        case .factorizePhys: return "FactorizePhys (rPPG-Toolbox, FSAM off)"
        case .tinyPulse2D: return "TinyPulse2D (2-D operators only, for the STM32N6 NPU)"
        }
    }
}

/// What `ModelZoo.detect` found: the architecture, the hyper-parameters the weights imply, and
/// keys present in the checkpoint that the inference graph does not use (FactorizePhys's FSAM).
public struct ArchitectureMatch: Sendable, Equatable {
    public var architecture: ZooArchitecture
    public var hyperparameters: [String: String]
    public var unusedKeys: [String]
}

/// A checkpoint that fits no zoo model, with the closest one and how it differs.
public struct ArchitectureMismatch: UserFacingError {
    public var closest: ZooArchitecture
    public var difference: ParameterDifference
    public var description: String {
        "The checkpoint fits no known model (\(ZooArchitecture.allCases.map(\.rawValue).joined(separator: ", "))). Closest: \(closest.rawValue), "
            + "with \(difference.count) differing keys — " + difference.description.dropFirst("The weights do not fit the model: ".count)
            + " Pass --model to force one, or check that the file is a checkpoint of a zoo model."
    }
}

/// The model zoo: definitions key for key with their PyTorch originals (Tools/pytorch_zoo.py),
/// architecture detection and strict weight binding.
public enum ModelZoo {
    /// T of one clip by default: 128 for TinyPulse and PhysNet, 160 for FactorizePhys.
    public static func defaultFrames(_ a: ZooArchitecture) -> Int { a == .factorizePhys ? 160 : 128 }

    /// Frame side in pixels: 36 for TinyPulse and TinyPulse2D, 72 for PhysNet and FactorizePhys.
    public static func inputSize(_ a: ZooArchitecture) -> Int { a == .tinyPulse || a == .tinyPulse2D ? 36 : 72 }

    /// Every key the state dict holds (parameters and BatchNorm buffers, with
    /// `num_batches_tracked` as `[]`), in PyTorch's order. FactorizePhys's FSAM keys are not
    /// included: they are optional and reported as unused.
    public static func parameterShapes(_ a: ZooArchitecture) -> [(key: String, shape: [Int])] {
        let b = (try? trace(a, batch: 1, frames: defaultFrames(a), size: inputSize(a)).builder) ?? GraphBuilder()
        return b.parameters.map { ($0.key, $0.shape) }
    }

    /// Keys a checkpoint may hold that inference does not use.
    public static func optionalKeys(_ a: ZooArchitecture) -> [(key: String, shape: [Int])] {
        a == .factorizePhys ? FactorizePhysModel.fsamKeys : []
    }

    static func layer(_ a: ZooArchitecture, frames: Int) -> Layer {
        switch a {
        case .tinyPulse: return TinyPulseModel()
        case .physNet: return PhysNetModel(frames: frames)
        case .factorizePhys: return FactorizePhysModel()
        case .tinyPulse2D: return TinyPulse2DModel()
        }
    }

    static func trace(_ a: ZooArchitecture, batch: Int, frames: Int, size: Int) throws -> (builder: GraphBuilder, output: String) {
        let b = GraphBuilder()
        let x = b.input("input", shape: [batch, 3, frames, size, size])
        let y = try layer(a, frames: frames).trace(x, in: b)
        return (b, y)
    }

    /// The state dict as a key → tensor map, with a DataParallel `module.` prefix removed.
    static func weights(_ sd: StateDict) -> [String: Tensor] {
        let plain = sd.strippingPrefix("module.") ?? sd
        var out: [String: Tensor] = [:]
        for (k, t) in plain.entries { out[k] = t }
        return out
    }

    static func difference(_ a: ZooArchitecture, _ shapes: [String: [Int]]) -> ParameterDifference {
        let declared = parameterShapes(a).map { GraphBuilder.Parameter(key: $0.key, shape: $0.shape, used: true) }
        var diff = ParameterDifference(declared: declared, weights: shapes,
                                       allowedExtra: Set(optionalKeys(a).map(\.key)))
        for (k, s) in optionalKeys(a) where shapes[k] != nil && shapes[k] != s {
            diff.misshaped.append((k, s, shapes[k]!))
        }
        return diff
    }

    /// Names the zoo model the checkpoint fits (keys and shapes), the hyper-parameters it implies,
    /// and keys it holds that inference does not use. Throws `ArchitectureMismatch` naming the
    /// closest model and every differing key when none fits.
    public static func detect(_ stateDict: StateDict) throws -> ArchitectureMatch {
        let w = weights(stateDict)
        let shapes = w.mapValues(\.shape)
        var best: (ZooArchitecture, ParameterDifference)?
        for a in ZooArchitecture.allCases {
            let d = difference(a, shapes)
            if d.isEmpty {
                let unused = optionalKeys(a).map(\.key).filter { shapes[$0] != nil }
                return ArchitectureMatch(architecture: a, hyperparameters: hyperparameters(a, shapes, unused: unused),
                                         unusedKeys: unused)
            }
            if best == nil || d.count < best!.1.count { best = (a, d) }
        }
        throw ArchitectureMismatch(closest: best!.0, difference: best!.1)
    }

    static func hyperparameters(_ a: ZooArchitecture, _ s: [String: [Int]], unused: [String]) -> [String: String] {
        func out(_ k: String) -> String { s[k].map { String($0[0]) } ?? "?" }
        var h = ["frames": String(defaultFrames(a)), "inputSize": String(inputSize(a)), "inChannels": "3"]
        switch a {
        case .tinyPulse:
            h["widths"] = [out("stem.0.weight"), out("block2.0.weight"), out("block3.0.weight")].joined(separator: ",")
        case .tinyPulse2D:
            h["widths"] = [out("stem.0.weight"), out("block2.0.weight"), out("block3.0.weight")].joined(separator: ",")
            h["temporalKernel"] = s["time1.0.weight"].map { String($0[2]) } ?? "?"
        case .physNet:
            h["widths"] = [out("ConvBlock1.0.weight"), out("ConvBlock2.0.weight"), out("ConvBlock3.0.weight")]
                .joined(separator: ",")
            h["upsampleKernel"] = s["upsample.0.weight"].map { String($0[2]) } ?? "?"
        case .factorizePhys:
            h["nf"] = FactorizePhysModel.nf.map(String.init).joined(separator: ",")
            h["fsam"] = unused.isEmpty ? "absent" : "trained (keys present, unused at inference)"
            h["inputTransform"] = "diff over time of the last-frame-padded clip, then InstanceNorm3d"
        }
        return h
    }

    /// Graph with input "input" `[batch, 3, T, H, W]` and output "output" `[batch, T]`; weights
    /// bound strictly by key (missing, unexpected or mis-shaped keys → one error listing all).
    public static func graph(_ architecture: ZooArchitecture, stateDict: StateDict, batch: Int = 1,
                             frames: Int? = nil, inputSize size: Int? = nil) throws -> Graph {
        let t = frames ?? defaultFrames(architecture)
        let (b, y) = try trace(architecture, batch: batch, frames: t, size: size ?? inputSize(architecture))
        let w = weights(stateDict)
        let optional = optionalKeys(architecture)
        for (k, s) in optional where w[k] != nil && w[k]!.shape != s {
            var d = ParameterDifference(declared: [], weights: [:])
            d.misshaped = [(k, s, w[k]!.shape)]
            throw d
        }
        var g = try b.graph(output: y, weights: w, allowedExtra: Set(optional.map(\.key)),
                            name: architecture.rawValue)
        g.metadata["architecture"] = architecture.rawValue
        return g
    }
}
