import TensorCore

/// Graph-to-graph rewrites for inference. Each is small, keeps graph input/output names, and
/// leaves the graph's numerics unchanged up to float rounding.
public enum GraphPasses {
    /// Dropout and Identity nodes removed; their readers read the node's input instead.
    public static func removeDropout(_ g: Graph) -> Graph {
        var g = g
        let outputs = Set(g.outputs.map(\.name))
        var rename: [String: String] = [:]
        var kept: [Node] = []
        for var node in g.nodes {
            node.inputs = node.inputs.map { rename[$0] ?? $0 }
            let passThrough: Bool
            switch node.op {
            case .dropout, .identity: passThrough = true
            default: passThrough = false
            }
            // A pass-through that writes a graph output stays, so that output names never change.
            if passThrough && node.fusedActivation == nil && !outputs.contains(node.outputs[0]) {
                rename[node.outputs[0]] = node.inputs[0]
            } else {
                kept.append(node)
            }
        }
        g.nodes = kept
        return g
    }

    /// BatchNorm folded into the Conv / ConvTranspose that feeds it (when that conv's output has
    /// no other reader and all parameters are initializers): `w' = w·s`, `b' = (b - mean)·s + beta`
    /// with `s = gamma / sqrt(var + eps)`. The conv keeps its weight key (now holding the folded
    /// values) and gains a bias named after it when it had none.
    public static func foldBatchNorm(_ g: Graph) -> Graph {
        var g = g
        var removed = Set<Int>()
        for (bi, bn) in g.nodes.enumerated() {
            guard case .batchNorm(let eps) = bn.op, bn.fusedActivation == nil, bn.inputs.count == 5,
                  let scale = g.initializers[bn.inputs[1]], let beta = g.initializers[bn.inputs[2]],
                  let mean = g.initializers[bn.inputs[3]], let variance = g.initializers[bn.inputs[4]],
                  let ci = g.nodes.firstIndex(where: { $0.outputs.contains(bn.inputs[0]) }), !removed.contains(ci)
            else { continue }
            let conv = g.nodes[ci]
            let isTranspose: Bool
            switch conv.op {
            case .conv: isTranspose = false
            case .convTranspose: isTranspose = true
            default: continue
            }
            guard conv.fusedActivation == nil, conv.inputs.count >= 2,
                  !g.outputs.contains(where: { $0.name == bn.inputs[0] }),
                  g.nodes.filter({ $0.inputs.contains(bn.inputs[0]) }).count == 1,
                  g.nodes.filter({ $0.inputs.contains(conv.inputs[1]) }).count == 1,
                  let weight = g.initializers[conv.inputs[1]], weight.dtype == .float32 else { continue }
            let gamma = scale.floatValues(), bt = beta.floatValues(), mu = mean.floatValues()
            let v = variance.floatValues()
            let channels = gamma.count
            let s = batchNormMultiplier(gamma: gamma, variance: v, epsilon: eps)
            var w = weight.floatValues()
            let shape = weight.shape
            let inner = shape.dropFirst(2).reduce(1, *)
            if isTranspose {
                // [Cin, Cout/groups, k...]: output channel = group·(Cout/groups) + axis-1 index.
                let outPerGroup = shape[1], inPerGroup = shape[0] * outPerGroup / channels
                for i in 0..<shape[0] {
                    let grp = i / max(1, inPerGroup)
                    for j in 0..<outPerGroup {
                        let c = grp * outPerGroup + j, base = (i * outPerGroup + j) * inner
                        for k in 0..<inner { w[base + k] *= s[c] }
                    }
                }
            } else {
                let per = w.count / shape[0]
                for c in 0..<shape[0] { for k in 0..<per { w[c * per + k] *= s[c] } }
            }
            let oldBias = conv.inputs.count > 2 && !conv.inputs[2].isEmpty
                ? g.initializers[conv.inputs[2]]?.floatValues() : nil
            guard conv.inputs.count <= 2 || conv.inputs[2].isEmpty || oldBias != nil else { continue }
            let b0: [Float] = oldBias ?? [Float](repeating: 0, count: channels)
            var bias = [Float](repeating: 0, count: channels)
            for c in 0..<channels { bias[c] = (b0[c] - mu[c]) * s[c] + bt[c] }
            var biasName = conv.inputs.count > 2 && !conv.inputs[2].isEmpty ? conv.inputs[2] : ""
            if biasName.isEmpty || g.nodes.filter({ $0.inputs.contains(biasName) }).count > 1 {
                let stem = conv.inputs[1].hasSuffix(".weight") ? String(conv.inputs[1].dropLast(7)) : conv.inputs[1]
                biasName = stem + ".bias"
                while g.initializers[biasName] != nil { biasName += "_folded" }
            }
            g.initializers[conv.inputs[1]] = Tensor(shape: shape, scalars: w)
            g.initializers[biasName] = Tensor(shape: [channels], scalars: bias)
            var folded = conv
            folded.inputs = [conv.inputs[0], conv.inputs[1], biasName]
            folded.outputs = [bn.outputs[0]]
            g.nodes[ci] = folded
            removed.insert(bi)
        }
        g.nodes = g.nodes.enumerated().filter { !removed.contains($0.offset) }.map(\.element)
        return pruneInitializers(g)
    }

    /// BatchNorm's per-channel multiplier `gamma / sqrt(var + eps)`, which folding puts into the
    /// conv weight (and quantization-aware training takes out again when it writes a checkpoint).
    public static func batchNormMultiplier(gamma: [Float], variance: [Float], epsilon: Float) -> [Float] {
        (0..<gamma.count).map { gamma[$0] / (variance[$0] + epsilon).squareRoot() }
    }

    /// An activation (Relu, Elu, Tanh, Sigmoid, Clip) that is the only reader of a Conv,
    /// ConvTranspose or Gemm output becomes that node's `fusedActivation`.
    public static func fuseActivations(_ g: Graph) -> Graph {
        var g = g
        var removed = Set<Int>()
        for (ai, act) in g.nodes.enumerated() {
            switch act.op {
            case .relu, .elu, .tanh, .sigmoid, .clip: break
            default: continue
            }
            guard act.fusedActivation == nil,
                  let pi = g.nodes.firstIndex(where: { $0.outputs.contains(act.inputs[0]) }), !removed.contains(pi)
            else { continue }
            switch g.nodes[pi].op {
            case .conv, .convTranspose, .gemm: break
            default: continue
            }
            guard g.nodes[pi].fusedActivation == nil,
                  !g.outputs.contains(where: { $0.name == act.inputs[0] }),
                  g.nodes.filter({ $0.inputs.contains(act.inputs[0]) }).count == 1 else { continue }
            g.nodes[pi].fusedActivation = act.op
            g.nodes[pi].outputs = [act.outputs[0]]
            removed.insert(ai)
        }
        g.nodes = g.nodes.enumerated().filter { !removed.contains($0.offset) }.map(\.element)
        g.valueInfo = [:]
        return g
    }

    /// Dropout removal, BatchNorm folding, then activation fusion.
    public static func optimizeForInference(_ g: Graph) -> Graph {
        fuseActivations(foldBatchNorm(removeDropout(g)))
    }

    /// Initializers no node reads are dropped (BatchNorm parameters after folding).
    public static func pruneInitializers(_ g: Graph) -> Graph {
        var g = g
        let used = Set(g.nodes.flatMap(\.inputs))
        g.initializers = g.initializers.filter { used.contains($0.key) }
        g.valueInfo = [:]
        return g
    }
}
