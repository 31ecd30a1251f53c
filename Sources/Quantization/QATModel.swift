import NN
import TensorCore

/// A QDQ model set up for quantization-aware training: the graph ``QDQInsertion`` makes from an
/// FP32 graph and calibrated ranges, rewritten so that its weights are float parameters again.
///
/// In ``trainingGraph`` every activation keeps its Q → DQ pair with the calibrated (fixed) scale,
/// each quantized weight `W` becomes `W → QuantizeLinear → DequantizeLinear` with the scale the
/// quantizer gives the current `W` (``weightParameters(_:)``: scales and zero points, refreshed every step), and each int32
/// bias `B` likewise `B → QuantizeLinear (int32) → DequantizeLinear` with the scale `s_x·s_w`
/// of the current weight scale (its rounding step can reach an output LSB when `s_x` is large). ``quantized(_:)`` is the quantizer itself run on
/// the trained weights with the same ranges, so the activation scales written are the ones trained.
///
/// ```swift
/// let qat = try QATModel(fp32: folded, ranges: ranges, options: options)
/// // train qat.trainingGraph's qat.parameterNames, refreshing qat.weightParameters(current) each step
/// let qdq = try qat.quantized(current)
/// ```
public struct QATModel: Sendable {
    /// The BatchNorm-folded FP32 graph the ranges were calibrated on.
    public let fp32: Graph
    public let ranges: [String: TensorRange]
    public let options: QuantizationOptions
    /// The QDQ graph of the FP32 weights (what `rppg quantize` writes for these ranges).
    public let qdq: Graph
    /// ``qdq`` with float weights behind QuantizeLinear nodes and float biases (see above).
    public let trainingGraph: Graph
    /// Float initializers of ``trainingGraph`` that training updates (weights, biases), in order of first use.
    public let parameterNames: [String]
    /// Weight or bias → the scale initializer its QuantizeLinear reads.
    public let weightScaleNames: [String: String]
    /// Weight or bias → its zero-point initializer: it moves with the weights when they are
    /// asymmetric (`weightSymmetric = false`, per tensor), so it is refreshed with the scale.
    public let weightZeroPointNames: [String: String]
    /// Scale initializer → the activation it quantizes and its zero point: the scales that
    /// learned-scale training (LSQ) takes as parameters. A tensor sharing another's parameters
    /// (pooling, reshapes) has no entry: it follows its provider's scale.
    public let activationScales: [String: ActivationScale]

    /// An activation's scale as a trained parameter: written back as the tensor's parameters
    /// (an ORT `TensorQuantOverrides` entry, `scale` + `zero_point`), so biases follow it.
    public struct ActivationScale: Sendable, Hashable {
        public var tensor: String
        public var zeroPoint: Int32
    }

    public init(fp32: Graph, ranges: [String: TensorRange], options: QuantizationOptions) throws {
        self.fp32 = fp32
        self.ranges = ranges
        self.options = options
        qdq = try QDQInsertion.apply(fp32, ranges: ranges, options: options)
        var g = qdq
        var scales: [String: String] = [:], zeroPoints: [String: String] = [:]
        for i in g.nodes.indices {
            guard case .dequantizeLinear(let axis) = g.nodes[i].op else { continue }
            let node = g.nodes[i], source = node.inputs[0]
            guard source.hasSuffix("_quantized"), g.initializers[source] != nil else { continue }
            // A bias DQ writes the bias's own name; a weight's is `W_quantized` → DQ.
            let isBias = fp32.initializers[node.outputs[0]] != nil
            let name = isBias ? node.outputs[0] : String(source.dropLast("_quantized".count))
            guard let w = fp32.initializers[name] else { continue }
            let q = name + "_QuantizeLinear_Output"
            if isBias {
                let out = name + "_DequantizeLinear_Output"
                for k in g.nodes.indices { g.nodes[k].inputs = g.nodes[k].inputs.map { $0 == name ? out : $0 } }
                g.nodes[i].outputs = [out]
            }
            g.initializers[name] = w
            g.initializers[source] = nil
            g.nodes[i].inputs[0] = q
            g.nodes.append(Node(name: name + "_QuantizeLinear", op: .quantizeLinear(axis: axis),
                                inputs: [name, node.inputs[1], node.inputs[2]], outputs: [q]))
            scales[name] = node.inputs[1]
            if node.inputs.count > 2 { zeroPoints[name] = node.inputs[2] }
        }
        g = Topology.sorted(g)
        let used = Set(g.nodes.flatMap(\.inputs))
        g.initializers = g.initializers.filter { used.contains($0.key) }
        trainingGraph = g
        weightScaleNames = scales
        weightZeroPointNames = zeroPoints
        var seen = Set<String>()
        parameterNames = g.nodes.flatMap(\.inputs).filter { name in
            fp32.initializers[name]?.dtype == .float32 && seen.insert(name).inserted
        }
        var activation: [String: ActivationScale] = [:]
        for node in qdq.nodes {
            guard case .quantizeLinear = node.op, node.inputs.count > 2, qdq.initializers[node.inputs[0]] == nil,
                  node.inputs[1].hasSuffix("_scale"), let zp = qdq.initializers[node.inputs[2]] else { continue }
            // ``QDQRewriter`` names an activation's parameters `T_scale` / `T_zero_point`.
            let tensor = String(node.inputs[1].dropLast("_scale".count))
            guard ranges[tensor] != nil, let level = zp.floatValues().first else { continue }
            activation[node.inputs[1]] = ActivationScale(tensor: tensor, zeroPoint: Int32(level))
        }
        activationScales = activation
    }

    /// The activation scale initializers in order of first use (the order they are trained in).
    public var activationScaleNames: [String] {
        var seen = Set<String>()
        return trainingGraph.nodes.flatMap(\.inputs).filter { activationScales[$0] != nil && seen.insert($0).inserted }
    }

    /// ``trainingGraph`` holding `weights` (missing ones keep their FP32 values) and their scales:
    /// its forward is the fake-quant model that ``quantized(_:)`` writes for the int8 engine.
    public func trainingGraph(weights: [String: Tensor]) throws -> Graph {
        var g = trainingGraph
        for (name, w) in weights where g.initializers[name] != nil { g.initializers[name] = w }
        for (name, value) in try weightParameters(weights) { g.initializers[name] = value }
        return g
    }

    /// The scale and zero point of every quantized weight and bias as the quantizer computes them
    /// for `weights` (parameters by name; missing ones keep their FP32 values), keyed by initializer name.
    public func weightParameters(_ weights: [String: Tensor]) throws -> [String: Tensor] {
        let g = try quantized(weights)
        let names = Set(weightScaleNames.values).union(weightZeroPointNames.values)
        return Dictionary(uniqueKeysWithValues: names.compactMap { name in g.initializers[name].map { (name, $0) } })
    }

    /// The QDQ graph of `weights` with the calibrated ranges: ``QDQInsertion`` on the FP32 graph
    /// whose initializers are replaced by `weights`. Learned activation scales among `weights`
    /// (keyed by ``activationScales``) replace their tensors' calibrated parameters.
    public func quantized(_ weights: [String: Tensor]) throws -> Graph {
        var g = fp32, o = options
        for (name, w) in weights {
            if let a = activationScales[name] {
                guard w.elementCount == 1, let scale = w.floatValues().first else {
                    throw QuantizationError.unsupportedGraph("the learned scale '\(name)' must hold one value, it has shape \(w.shape)")
                }
                o.overrides[a.tensor] = .parameters(scale: scale, zeroPoint: a.zeroPoint)
                continue
            }
            guard let old = g.initializers[name], old.shape == w.shape else {
                throw QuantizationError.unsupportedGraph("'\(name)' is not a float initializer of shape \(w.shape) in the model")
            }
            g.initializers[name] = w
        }
        return try QDQInsertion.apply(g, ranges: ranges, options: o)
    }
}
