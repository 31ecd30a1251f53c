import NN
import TensorCore

/// A calibrated activation range.
public struct TensorRange: Hashable, Sendable {
    public var min: Float
    public var max: Float
    public init(min: Float, max: Float) {
        self.min = min
        self.max = max
    }
}

/// The QDQ insertion pass: the FP32 graph plus activation ranges in, a graph shaped exactly like
/// ONNX Runtime's `quantize_static(quant_format=QDQ)` output for the same options out.
///
/// Names follow ORT: an activation `T` gets `T_QuantizeLinear` → `T_QuantizeLinear_Output` →
/// `T_DequantizeLinear` → `T_DequantizeLinear_Output` with initializers `T_scale` (float32, 0-d)
/// and `T_zero_point` (0-d); a graph output `T` keeps its name on the DQ output and its producer
/// writes `T_QuantizeLinear_Input`. A weight `W` becomes `W_quantized` (int8) → `W_DequantizeLinear`
/// with `W_scale`/`W_zero_point` (`[C]` per channel). A bias `B` becomes `B_quantized` (int32) with
/// `B_quantized_scale` (`[C]`, or `[1]` per tensor) and `B_quantized_zero_point` (`[C]`, or 0-d),
/// its DequantizeLinear named `B_DequantizeLinear` writes `B`. Executors should treat a scale
/// with one element as per-tensor whatever its rank.
public enum QDQInsertion {
    /// Inserts Q/DQ. `ranges` holds the calibrated range of (at least) every value in
    /// ``QDQRule/tensorsToCalibrate(_:)``.
    public static func apply(_ fp32: Graph, ranges: [String: TensorRange], options: QuantizationOptions) throws -> Graph {
        guard options.activationType == .int8 || options.activationType == .uint8 else {
            throw QuantizationError.unsupportedGraph("activation type must be int8 or uint8, not \(options.activationType.rawValue)")
        }
        var ranges = ranges
        adjustRelu(fp32, &ranges)
        let actRange = QuantRange.of(options.activationType)
        let actParams = ranges.mapValues {
            QuantizationMath.parameters(rmin: $0.min, rmax: $0.max, range: actRange, symmetric: false)
        }
        var plan = QDQPlan(graph: fp32, perChannel: options.perChannel, calibrated: Set(ranges.keys))
        try plan.run()
        var g = plan.graph

        // Initializer parameters (weights; float initializers read by all-tensor ops use activation type).
        var initParams: [String: (params: [QuantParameters], dtype: DType, axis: Int?)] = [:]
        for name in plan.tensorOrder {
            guard let info = plan.tensors[name], let w = g.initializers[name], info.provider == nil else { continue }
            let isWeight = info.kind == .weight
            let dtype: DType = isWeight ? .int8 : options.activationType
            let symmetric = info.axis != nil || (isWeight && dtype == .int8)
            initParams[name] = (WeightQuantization.parameters(w, dtype: dtype, symmetric: symmetric, axis: info.axis), dtype, info.axis)
        }
        // Weight-scale adjustment for int32 biases (uses the input's own calibrated scale, as ORT does).
        for bias in plan.biasOrder {
            guard let info = plan.biases[bias], let input = actParams[info.input], plan.tensors[info.input] != nil,
                  var wp = initParams[info.weight], wp.dtype == .int8, wp.params.allSatisfy({ $0.zeroPoint == 0 }),
                  let b = g.initializers[bias]
            else { continue }
            WeightQuantization.adjustForInt32Bias(inputScale: input.scale, weightScales: &wp.params,
                                                  bias: b.floatValues(), perChannel: wp.axis != nil)
            initParams[info.weight] = wp
        }

        var rewriter = QDQRewriter(graph: g, activationType: options.activationType)
        // Tensors with their own parameters, in marking order.
        for name in plan.tensorOrder {
            guard let info = plan.tensors[name], info.provider == nil else { continue }
            if let p = initParams[name] {
                rewriter.addInitializerDQ(name, params: p.params, dtype: p.dtype, axis: p.axis)
            } else {
                guard let p = actParams[name] else {
                    throw QuantizationError.unsupportedGraph("no calibrated range for '\(name)', which must be quantized")
                }
                rewriter.addActivationQDQ(name, params: p)
            }
        }
        // Tensors sharing an upstream tensor's parameters (chains resolve in rounds).
        var pending = plan.tensorOrder.filter { plan.tensors[$0]?.provider != nil }
        while !pending.isEmpty {
            let before = pending.count
            pending = pending.filter { name in
                guard let provider = plan.tensors[name]!.provider, rewriter.quantized[provider.input] != nil else { return true }
                rewriter.addSharedQDQ(name, sharing: provider.input)
                return false
            }
            if pending.count == before {
                throw QuantizationError.unsupportedGraph("parameter sharing cycle at \(pending)")
            }
        }
        // Biases: int32 with scale input_scale × weight_scale.
        for bias in plan.biasOrder {
            guard let info = plan.biases[bias] else { continue }
            guard let inputScale = rewriter.quantized[info.input]?.scales.first,
                  let weightScales = rewriter.quantized[info.weight]?.scales
            else {
                throw QuantizationError.unsupportedGraph("bias '\(bias)' needs quantized input and weight scales")
            }
            rewriter.addBiasDQ(bias, inputScale: inputScale, weightScales: weightScales, beta: info.beta)
        }
        g = rewriter.graph
        g.nodes.removeAll { plan.removedNodes.contains($0.name) }
        g = Topology.sorted(g)
        // clean_initializers: drop float initializers no node reads any more.
        let used = Set(g.nodes.flatMap(\.inputs))
        g.initializers = g.initializers.filter { used.contains($0.key) }
        g.metadata["quantization"] = "QDQ \(options.method.rawValue) \(options.perChannel ? "per-channel" : "per-tensor") \(options.activationType.rawValue)"
        return g
    }

    /// ORT's `adjust_tensor_ranges`: a Relu/Clip that is its input's only reader lends its output
    /// range to that input.
    static func adjustRelu(_ g: Graph, _ ranges: inout [String: TensorRange]) {
        for node in g.nodes {
            guard case .removableActivation? = QDQRule.rule(for: node.op) else { continue }
            let input = node.inputs[0], output = node.outputs[0]
            guard g.consumers(of: input).count == 1, ranges[input] != nil, let r = ranges[output] else { continue }
            ranges[input] = r
        }
    }
}
