import NN

/// Which ops ONNX Runtime's `quantize_static` quantizes in QDQ format, and how (its
/// `QDQRegistry`, plus the `QLinearOpsRegistry` ops that fall back to `QDQOperatorBase`).
///
/// Ops outside this table — Elu, Tanh, ReduceMean, Sub, Div, Identity, Dropout — are left in
/// float: a tensor between two of them gets no Q/DQ pair.
public enum QDQRule: Hashable, Sendable {
    /// Input 0 and output 0 activations, weight input 1 (per channel on `weightAxis`), bias input 2 as int32.
    case weighted(weightAxis: Int)
    /// Relu/Clip: removed when its input is quantized and only it reads that input; its output
    /// range then serves the producer's Q.
    case removableActivation
    /// Reshape, Transpose, Squeeze, Unsqueeze, Flatten, AveragePool, MaxPool, Slice, Gather: the output
    /// shares the input's scale and zero point, and is quantized only if the input is.
    case sharesInputParameters
    /// Every float input and output gets its own Q/DQ (`QDQOperatorBase`).
    case allTensors
    /// MatMul: initializer operands are weights (per channel on axis 1), the rest activations.
    case matMul
}

extension QDQRule {
    /// The rule for `op`, or nil when ORT leaves the op in float.
    public static func rule(for op: Op) -> QDQRule? {
        switch op {
        case .conv: return .weighted(weightAxis: 0)
        case .convTranspose: return .weighted(weightAxis: 1)
        case .gemm(_, let transB, _, _): return .weighted(weightAxis: transB ? 0 : 1)
        case .relu, .clip: return .removableActivation
        // Gather is ORT's QDQGather, which treats input 0 as these do.
        case .reshape, .transpose, .squeeze, .unsqueeze, .flatten, .avgPool, .maxPool, .slice, .gather:
            return .sharesInputParameters
        // AdaptiveAvgPool has no ONNX op of its own; PyTorch exports ours as AveragePool.
        case .adaptiveAvgPool: return .sharesInputParameters
        // QDQNormalization: input and output activations, scale as a weight (axis 1, which a 1-D
        // scale lacks, so per tensor), bias as int32.
        case .batchNorm, .instanceNorm, .layerNorm: return .weighted(weightAxis: 1)
        case .matMul: return .matMul
        // Softmax is a QLinearOpsRegistry op: QDQOperatorBase, its output range set to [0, 1] (adjustSoftmax).
        case .add, .mul, .sigmoid, .globalAvgPool, .concat, .softmax:
            return .allTensors
        case .elu, .tanh, .sub, .div, .reduceMean, .identity, .dropout,
             .quantizeLinear, .dequantizeLinear, .qLinearConv:
            return nil
        }
    }

    /// Values ORT's calibrator observes: every input and output of a node whose op it
    /// quantizes, that is not an initializer (and is float: all values of our FP32 graphs are).
    public static func tensorsToCalibrate(_ graph: Graph) -> [String] {
        var seen = Set<String>()
        var out: [String] = []
        for node in graph.nodes where rule(for: node.op) != nil {
            for name in node.inputs + node.outputs where !name.isEmpty && graph.initializers[name] == nil {
                if let vi = graph.valueInfo[name], !vi.dtype.isFloatingPoint { continue }
                if seen.insert(name).inserted { out.append(name) }
            }
        }
        return out
    }
}
