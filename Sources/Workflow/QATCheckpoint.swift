import Foundation
import NN
import RPPG
import TensorCore
import TorchIO

/// The checkpoint `rppg qat` writes: the fine-tuned weights under the input checkpoint's keys.
///
/// QAT trains the BatchNorm-folded graph (what the int8 model runs), so each folded conv is
/// unfolded again: BatchNorm's running statistics and `gamma` stay, the conv weight becomes
/// `w'/s` and `beta` becomes `b' − (b₀ − mean)·s` with `s = gamma/√(var + eps)` — folding this
/// checkpoint again (`rppg export`) gives the trained `w'`, `b'` back up to float rounding.
enum QATCheckpoint {
    /// `{'model_state_dict', 'epoch', 'val_mae', 'config'}` with the input's `config` plus the QAT run's.
    static func value(source: URL, folded: Graph, weights: [String: Tensor], epoch: Int, valMAE: Double,
                      options: QATOptions) throws -> PickleValue {
        let checkpoint = try Checkpoint.load(source)
        let state = try stateDict(checkpoint, folded: folded, weights: weights, frames: folded.inputs.first?.shape[2])
        var config: [(String, PickleValue)] = []
        if case .dict(let entries)? = checkpoint.root["config"] {
            for e in entries { if let k = e.key.stringValue { config.append((k, e.value)) } }
        }
        var qat: [(String, PickleValue)] = [
            ("source_checkpoint", .string(source.lastPathComponent)), ("data", .string(options.data.path)),
            ("data_sha256", .string(try SHA256Digest.hexDigest(ofFile: options.data))),
            ("method", .string(options.quantization.method.rawValue)), ("epochs", .int(Int64(options.epochs))),
            ("best_epoch", .int(Int64(epoch))), ("lr", .float(options.learningRate)), ("seed", .int(Int64(options.seed))),
            ("learn_scales", .bool(options.learnScales)),
        ]
        if options.learnScales { qat.append(("scale_lr", .float(options.scaleLearningRate))) }
        config.append(("qat", .stringDict(qat)))
        return .stringDict([
            ("model_state_dict", state.pickleValue), ("epoch", .int(Int64(epoch))), ("val_mae", .float(valMAE)),
            ("config", .stringDict(config)),
        ])
    }

    /// The input state dict (same keys, same order) with the trained folded `weights` put back.
    static func stateDict(_ checkpoint: Checkpoint, folded: Graph, weights: [String: Tensor], frames: Int?) throws -> StateDict {
        let architecture = try ModelZoo.detect(checkpoint).architecture
        let unfolded = GraphPasses.removeDropout(try ModelZoo.graph(architecture, stateDict: checkpoint.stateDict, frames: frames))
        var out = Dictionary(checkpoint.stateDict.entries.map { ($0.key, $0.tensor) }, uniquingKeysWith: { a, _ in a })
        var placed = Set<String>()
        for bn in unfolded.nodes {
            guard case .batchNorm(let eps) = bn.op, bn.inputs.count == 5,
                  let conv = unfolded.producer(of: bn.inputs[0]),
                  let trained = folded.nodes.first(where: { $0.inputs.count > 2 && $0.inputs[1] == conv.inputs[1] }),
                  let w = weights[conv.inputs[1]], let b = weights[trained.inputs[2]]
            else { continue }
            let transpose: Bool
            switch conv.op {
            case .conv: transpose = false
            case .convTranspose(let t) where t.conv.groups == 1: transpose = true
            default: throw QATError("cannot unfold BatchNorm '\(bn.name)' from \(conv.op.name) '\(conv.name)'; write the QDQ model only")
            }
            let value = { (k: String) in checkpoint.stateDict[k]!.floatValues() }
            let gamma = value(bn.inputs[1]), mean = value(bn.inputs[3])
            let s = GraphPasses.batchNormMultiplier(gamma: gamma, variance: value(bn.inputs[4]), epsilon: eps)
            let hasBias = conv.inputs.count > 2 && !conv.inputs[2].isEmpty
            let b0 = hasBias ? value(conv.inputs[2]) : [Float](repeating: 0, count: s.count)
            var wv = w.floatValues()
            let original = value(conv.inputs[1])
            let inner = w.shape.dropFirst(2).reduce(1, *)
            for i in 0..<wv.count {
                // Output channel: axis 0 of a conv weight, axis 1 of a (single-group) transposed one.
                let c = transpose ? (i / inner) % w.shape[1] : i / (wv.count / w.shape[0])
                wv[i] = s[c] != 0 ? wv[i] / s[c] : original[i]  // a zero multiplier folded the channel to 0
            }
            let bf = b.floatValues()
            out[conv.inputs[1]] = Tensor(shape: w.shape, scalars: wv)
            out[bn.inputs[2]] = Tensor(shape: [s.count], scalars: (0..<s.count).map { bf[$0] - (b0[$0] - mean[$0]) * s[$0] })
            placed.formUnion([conv.inputs[1], trained.inputs[2]])
        }
        for (name, t) in weights where !placed.contains(name) {
            guard let old = out[name], old.shape == t.shape else {
                throw QATError("the fine-tuned weight '\(name)' has no place in \(checkpoint.stateDict.keys.count) checkpoint keys")
            }
            out[name] = t
        }
        return StateDict(checkpoint.stateDict.entries.map { ($0.key, out[$0.key]!) })
    }
}
