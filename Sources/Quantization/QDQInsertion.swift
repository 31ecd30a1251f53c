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
        // As in the exported file quantize_static reads: affine-free InstanceNorms get ones/zeros.
        let fp32 = try GraphPasses.materializeInstanceNormAffine(fp32)
        guard options.activationType == .int8 || options.activationType == .uint8 else {
            throw QuantizationError.unsupportedGraph("activation type must be int8 or uint8, not \(options.activationType.rawValue)")
        }
        let unknown = options.excludedNodes.filter { name in !fp32.nodes.contains { $0.name == name } }
        guard unknown.isEmpty else {
            throw QuantizationError.unsupportedGraph("no node named \(unknown.sorted().map { "'\($0)'" }.joined(separator: ", ")) to exclude; node names are listed by rppg inspect --onnx")
        }
        var ranges = ranges
        adjustRelu(fp32, &ranges, excluded: options.excludedNodes)
        adjustSoftmax(fp32, &ranges, excluded: options.excludedNodes)
        let actParams = try activationParameters(ranges, options: options)
        var plan = QDQPlan(graph: fp32, perChannel: options.perChannel, calibrated: Set(ranges.keys),
                           excluded: options.excludedNodes, keepActivations: options.symmetricActivations,
                           quantizeLayoutOnlyInputs: options.quantizeLayoutOnlyInputs)
        try plan.run()
        var g = plan.graph

        // Initializer parameters (weights; float initializers read by all-tensor ops use activation type).
        var initParams: [String: (params: [QuantParameters], dtype: DType, axis: Int?)] = [:]
        for name in plan.tensorOrder {
            guard let info = plan.tensors[name], let w = g.initializers[name], info.provider == nil else { continue }
            let isWeight = info.kind == .weight
            let dtype: DType = isWeight ? .int8 : options.activationType
            let symmetric = info.axis != nil || (isWeight ? options.weightSymmetric : options.symmetricActivations)
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
                rewriter.addActivationQDQ(name, params: p, dtype: options.int16Activations.contains(name) ? .int16 : nil)
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

    /// The opset a graph (QDQ or float) needs: 21 when a Q/DQ pair is 16-bit (ONNX's QuantizeLinear
    /// takes int16 from opset 21; ORT upgrades the model to 21 likewise), 17 with LayerNormalization
    /// (PhysFormer; the op exists from 17), else 13 (what X-CUBE-AI expects).
    public static func requiredOpset(_ g: Graph) -> Int {
        let sixteen = g.nodes.contains { node in
            guard case .quantizeLinear = node.op, node.inputs.count > 2 else { return false }
            let dtype = g.initializers[node.inputs[2]]?.dtype
            return dtype == .int16 || dtype == .uint16
        }
        if sixteen { return 21 }
        return g.nodes.contains { if case .layerNorm = $0.op { return true } else { return false } } ? 17 : 13
    }

    /// Scale and zero point of every calibrated activation: ORT's `calc_quant_params`, with the
    /// user's overrides (given parameters as they are; a given range on the sides it names).
    static func activationParameters(_ ranges: [String: TensorRange], options: QuantizationOptions) throws
        -> [String: QuantParameters]
    {
        let unknown = options.overrides.keys.filter { ranges[$0] == nil }
        guard unknown.isEmpty else {
            throw QuantizationError.unsupportedGraph("the overrides name \(unknown.sorted().map { "'\($0)'" }.joined(separator: ", ")), which is not a quantized activation of this model (weights cannot be overridden)")
        }
        let unknown16 = options.int16Activations.filter { ranges[$0] == nil }
        guard unknown16.isEmpty else {
            throw QuantizationError.unsupportedGraph("--int16 names \(unknown16.sorted().map { "'\($0)'" }.joined(separator: ", ")), which is not a calibrated activation of this model; rppg quantize --report lists them")
        }
        var result: [String: QuantParameters] = [:]
        for (name, r) in ranges {
            var lo = r.min, hi = r.max, symmetric = options.symmetricActivations
            let dtype: DType = options.int16Activations.contains(name) ? .int16 : options.activationType
            switch options.overrides[name] {
            case .parameters(let scale, let zeroPoint)?:
                let q = QuantRange.of(dtype)
                guard scale > 0, scale.isFinite, zeroPoint >= q.qmin, zeroPoint <= q.qmax else {
                    throw QuantizationError.unsupportedGraph("the override of '\(name)' has scale \(scale) and zero point \(zeroPoint); the scale must be positive and the zero point within \(q.qmin)…\(q.qmax) for \(dtype.rawValue)")
                }
                result[name] = QuantParameters(scale: scale, zeroPoint: zeroPoint)
                continue
            case .range(let min, let max, let sym)?:
                lo = min ?? lo
                hi = max ?? hi
                symmetric = sym ?? symmetric
            case nil:
                break
            }
            result[name] = QuantizationMath.parameters(rmin: lo, rmax: hi, range: QuantRange.of(dtype, symmetric: symmetric),
                                                       symmetric: symmetric)
        }
        return result
    }

    /// ORT's `adjust_tensor_ranges`: a Relu/Clip that is its input's only reader lends its output
    /// range to that input (not when the Relu/Clip is excluded).
    /// ORT's `adjust_tensor_ranges`: a quantized Softmax's output range is [0, 1], whatever was calibrated.
    static func adjustSoftmax(_ g: Graph, _ ranges: inout [String: TensorRange], excluded: Set<String> = []) {
        for node in g.nodes where !excluded.contains(node.name) {
            guard case .softmax = node.op else { continue }
            ranges[node.outputs[0]] = TensorRange(min: 0, max: 1)
        }
    }

    static func adjustRelu(_ g: Graph, _ ranges: inout [String: TensorRange], excluded: Set<String> = []) {
        for node in g.nodes where !excluded.contains(node.name) {
            guard case .removableActivation? = QDQRule.rule(for: node.op) else { continue }
            let input = node.inputs[0], output = node.outputs[0]
            guard g.consumers(of: input).count == 1, ranges[input] != nil, let r = ranges[output] else { continue }
            ranges[input] = r
        }
    }
}
