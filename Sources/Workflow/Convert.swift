import Foundation
import TensorCore
import TorchIO

/// `rppg convert`: reads any PyTorch checkpoint (zip or legacy, DEFLATE, big-endian) and writes it
/// back in the format torch.save uses today, which `torch.load(weights_only=True)` and `mmap=True` open.
public enum ConvertCheckpoint {
    public struct Result: Sendable {
        public var tensorCount: Int
        public var strippedPrefix: String?
    }

    /// Re-saves `input` as `output`. With `stateDictOnly` only the model weights are written (an
    /// OrderedDict of tensors, the `module.` prefix removed), as `model.state_dict()` would save them.
    public static func run(input: URL, output: URL, stateDictOnly: Bool = false) throws -> Result {
        let value = try TorchFile.load(input)
        if stateDictOnly {
            let checkpoint = try Checkpoint(root: value, source: input.path, stripModulePrefix: true)
            try TorchFile.save(checkpoint.stateDict.pickleValue, to: output)
            return Result(
                tensorCount: checkpoint.stateDict.entries.count, strippedPrefix: checkpoint.strippedPrefix)
        }
        try TorchFile.save(value, to: output)
        var count = 0
        func walk(_ v: PickleValue) {
            switch v {
            case .tensor: count += 1
            case .dict(let e): e.forEach { walk($0.value) }
            case .list(let x), .tuple(let x), .set(let x): x.forEach(walk)
            default: break
            }
        }
        walk(value)
        return Result(tensorCount: count, strippedPrefix: nil)
    }
}
