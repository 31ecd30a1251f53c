import NN
import TensorCore

/// Adds Q/DQ nodes and their initializers to a graph under ORT's naming.
struct QDQRewriter {
    struct Quantized {
        var scaleName: String
        var zeroPointName: String
        var scales: [Float]
    }

    var graph: Graph
    let activationType: DType
    private(set) var quantized: [String: Quantized] = [:]

    init(graph: Graph, activationType: DType) {
        self.graph = graph
        self.activationType = activationType
    }

    private static func zeroPointTensor(_ zps: [Int32], dtype: DType, shape: [Int]) -> Tensor {
        switch dtype {
        case .int8: return Tensor(shape: shape, scalars: zps.map { Int8($0) })
        case .uint8: return Tensor(shape: shape, scalars: zps.map { UInt8($0) })
        case .int16: return Tensor(shape: shape, scalars: zps.map { Int16($0) })
        case .int32: return Tensor(shape: shape, scalars: zps)
        default: preconditionFailure("zero points are int8, uint8, int16 or int32")
        }
    }

    private mutating func replaceInputs(_ old: String, with new: String) {
        for i in graph.nodes.indices {
            graph.nodes[i].inputs = graph.nodes[i].inputs.map { $0 == old ? new : $0 }
        }
    }

    /// `W` → `W_quantized` → DequantizeLinear → `W_DequantizeLinear_Output`.
    mutating func addInitializerDQ(_ name: String, params: [QuantParameters], dtype: DType, axis: Int?) {
        guard quantized[name] == nil, let w = graph.initializers[name] else { return }
        let scaleName = name + "_scale", zpName = name + "_zero_point"
        let shape = axis == nil ? [] : [params.count]
        graph.initializers[scaleName] = Tensor(shape: shape, scalars: params.map(\.scale))
        graph.initializers[zpName] = Self.zeroPointTensor(params.map(\.zeroPoint), dtype: dtype, shape: shape)
        let qName = name + "_quantized"
        graph.initializers[qName] = WeightQuantization.quantize(w, params: params, dtype: dtype, axis: axis)
        let out = name + "_DequantizeLinear_Output"
        replaceInputs(name, with: out)
        graph.nodes.append(Node(name: name + "_DequantizeLinear", op: .dequantizeLinear(axis: axis ?? 1),
                                inputs: [qName, scaleName, zpName], outputs: [out]))
        graph.valueInfo[out] = ValueInfo(name: out, shape: w.shape, dtype: .float32)
        quantized[name] = Quantized(scaleName: scaleName, zeroPointName: zpName, scales: params.map(\.scale))
    }

    /// An activation with its own `T_scale` / `T_zero_point`, of the activation type unless
    /// `dtype` says otherwise (int16 for tensors chosen with `--int16`, ORT's QInt16 override).
    mutating func addActivationQDQ(_ name: String, params: QuantParameters, dtype: DType? = nil) {
        let scaleName = name + "_scale", zpName = name + "_zero_point"
        graph.initializers[scaleName] = Tensor(shape: [], scalars: [params.scale])
        graph.initializers[zpName] = Self.zeroPointTensor([params.zeroPoint], dtype: dtype ?? activationType, shape: [])
        addPair(name, scaleName: scaleName, zeroPointName: zpName, scales: [params.scale])
    }

    /// An activation that reuses `provider`'s scale and zero point.
    mutating func addSharedQDQ(_ name: String, sharing provider: String) {
        guard let p = quantized[provider] else { return }
        addPair(name, scaleName: p.scaleName, zeroPointName: p.zeroPointName, scales: p.scales)
    }

    private mutating func addPair(_ name: String, scaleName: String, zeroPointName: String, scales: [Float]) {
        guard quantized[name] == nil else { return }
        var qInput = name
        var dqOutput = name + "_DequantizeLinear_Output"
        let shape = graph.valueInfo[name]?.shape
            ?? graph.inputs.first(where: { $0.name == name })?.shape
            ?? graph.outputs.first(where: { $0.name == name })?.shape
        if graph.outputs.contains(where: { $0.name == name }) {
            // The graph keeps its output name on the DQ; the producer writes `T_QuantizeLinear_Input`.
            qInput = name + "_QuantizeLinear_Input"
            dqOutput = name
            for i in graph.nodes.indices {
                graph.nodes[i].outputs = graph.nodes[i].outputs.map { $0 == name ? qInput : $0 }
            }
        } else {
            replaceInputs(name, with: dqOutput)
        }
        let qOutput = name + "_QuantizeLinear_Output"
        graph.nodes.append(Node(name: name + "_QuantizeLinear", op: .quantizeLinear(axis: 1),
                                inputs: [qInput, scaleName, zeroPointName], outputs: [qOutput]))
        graph.nodes.append(Node(name: name + "_DequantizeLinear", op: .dequantizeLinear(axis: 1),
                                inputs: [qOutput, scaleName, zeroPointName], outputs: [dqOutput]))
        if let shape {
            if qInput != name { graph.valueInfo[qInput] = ValueInfo(name: qInput, shape: shape, dtype: .float32) }
            // The integer type is the zero point's (int16 where a tensor was chosen for 16 bits).
            graph.valueInfo[qOutput] = ValueInfo(name: qOutput, shape: shape, dtype: graph.initializers[zeroPointName]?.dtype ?? activationType)
            graph.valueInfo[dqOutput] = ValueInfo(name: dqOutput, shape: shape, dtype: .float32)
        }
        quantized[name] = Quantized(scaleName: scaleName, zeroPointName: zeroPointName, scales: scales)
    }

    /// `B` (float) → `B_quantized` (int32) → `B_DequantizeLinear` → `B`.
    mutating func addBiasDQ(_ name: String, inputScale: Float, weightScales: [Float], beta: Float) {
        guard quantized[name] == nil, let b = graph.initializers[name] else { return }
        let (q, scales) = WeightQuantization.quantizeBias(b, inputScale: inputScale, weightScales: weightScales, beta: beta)
        let qName = name + "_quantized"
        let scaleName = qName + "_scale", zpName = qName + "_zero_point"
        graph.initializers[qName] = q
        graph.initializers[scaleName] = Tensor(shape: [scales.count], scalars: scales)
        graph.initializers[zpName] = scales.count > 1
            ? Tensor(shape: [scales.count], scalars: [Int32](repeating: 0, count: scales.count))
            : Tensor(shape: [], scalars: [Int32(0)])
        graph.initializers[name] = nil
        graph.nodes.append(Node(name: name + "_DequantizeLinear", op: .dequantizeLinear(axis: scales.count > 1 ? 0 : 1),
                                inputs: [qName, scaleName, zpName], outputs: [name]))
        graph.valueInfo[name] = ValueInfo(name: name, shape: b.shape, dtype: .float32)
        quantized[name] = Quantized(scaleName: scaleName, zeroPointName: zpName, scales: scales)
    }
}

/// Topological ordering that keeps the original order and places each new node just before its
/// first reader.
enum Topology {
    static func sorted(_ g: Graph) -> Graph {
        var producerIndex: [String: Int] = [:]
        for (i, n) in g.nodes.enumerated() { for o in n.outputs { producerIndex[o] = i } }
        var emitted = [Bool](repeating: false, count: g.nodes.count)
        var visiting = [Bool](repeating: false, count: g.nodes.count)
        var order: [Node] = []
        func visit(_ i: Int) {
            if emitted[i] || visiting[i] { return }
            visiting[i] = true
            for input in g.nodes[i].inputs { if let p = producerIndex[input] { visit(p) } }
            visiting[i] = false
            emitted[i] = true
            order.append(g.nodes[i])
        }
        for i in g.nodes.indices { visit(i) }
        var out = g
        out.nodes = order
        return out
    }
}
