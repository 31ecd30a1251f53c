import NN
import TensorCore

/// Something that runs a float graph: the FP32 executor of module NN.
public protocol FloatGraphRunner: AnyObject {
    /// Runs on named inputs, returns every graph output by name.
    func run(_ inputs: [String: Tensor]) throws -> [String: Tensor]
}

/// Compiles a one-node float graph into a runner.
public typealias FloatRunnerFactory = (Graph) throws -> FloatGraphRunner

/// Runs a graph node by node so that every intermediate value can be observed or rewritten in
/// between: the float ops through one-node graphs of the FP32 executor (compiled on first use,
/// per input shapes), `QuantizeLinear`/`DequantizeLinear` by the float reference kernels.
/// DequantizeLinear of constants (int8 weights, int32 biases) is folded once, at init. A
/// QuantizeLinear whose only reader is a DequantizeLinear with the same scale and zero point runs
/// as one fake-quant step (``QuantizeLinearKernels/fakeQuantize(_:scale:zeroPoint:axis:)``): the
/// integer tensor between them is never made, so `observe` does not see it.
final class NodeInterpreter {
    let graph: Graph
    private let factory: FloatRunnerFactory
    private var runners: [Int: (shapes: [[Int]], runner: FloatGraphRunner)] = [:]
    private var constants: [String: Tensor]
    /// Index of the last node reading each value, to free values early.
    private let lastUse: [String: Int]
    /// QuantizeLinear index → index of the DequantizeLinear it is fused with.
    private let fusedPairs: [Int: Int]
    private let fusedDequantize: Set<Int>

    init(graph: Graph, factory: @escaping FloatRunnerFactory) {
        self.graph = graph
        self.factory = factory
        var constants = graph.initializers
        for node in graph.nodes {
            if case .dequantizeLinear(let axis) = node.op, node.inputs.allSatisfy({ $0.isEmpty || constants[$0] != nil }) {
                constants[node.outputs[0]] = QuantizeLinearKernels.dequantize(
                    constants[node.inputs[0]]!, scale: constants[node.inputs[1]]!,
                    zeroPoint: node.inputs.count > 2 && !node.inputs[2].isEmpty ? constants[node.inputs[2]] : nil, axis: axis)
            }
        }
        self.constants = constants
        var last: [String: Int] = [:]
        for (i, n) in graph.nodes.enumerated() { for v in n.inputs { last[v] = i } }
        for o in graph.outputs { last[o.name] = Int.max }
        self.lastUse = last
        var readers: [String: [Int]] = [:]
        for (i, n) in graph.nodes.enumerated() { for v in n.inputs where !v.isEmpty { readers[v, default: []].append(i) } }
        var pairs: [Int: Int] = [:]
        for (i, q) in graph.nodes.enumerated() {
            guard case .quantizeLinear(let qAxis) = q.op, q.outputs.count == 1, last[q.outputs[0]] != Int.max,
                  let r = readers[q.outputs[0]], r.count == 1, r[0] > i else { continue }
            let dq = graph.nodes[r[0]]
            guard case .dequantizeLinear(let dqAxis) = dq.op, dq.inputs[0] == q.outputs[0], qAxis == dqAxis,
                  Array(q.inputs.dropFirst()) == Array(dq.inputs.dropFirst()),
                  q.inputs.dropFirst().allSatisfy({ $0.isEmpty || constants[$0] != nil }) else { continue }
            pairs[i] = r[0]
        }
        self.fusedPairs = pairs
        self.fusedDequantize = Set(pairs.values)
    }

    /// Runs the graph. `observe(value, tensor)` sees every value a node writes, and may replace it
    /// (returning the tensor to use downstream).
    func run(_ inputs: [String: Tensor], observe: (String, Tensor) throws -> Tensor) throws -> [String: Tensor] {
        var values: [String: Tensor] = [:]
        for vi in graph.inputs {
            guard let t = inputs[vi.name] else {
                throw QuantizationError.unsupportedGraph("input '\(vi.name)' was not given")
            }
            values[vi.name] = try observe(vi.name, t)
        }
        func value(_ name: String) throws -> Tensor? {
            if name.isEmpty { return nil }
            if let t = values[name] ?? constants[name] { return t }
            throw QuantizationError.unsupportedGraph("value '\(name)' is read before it is written")
        }
        for (index, node) in graph.nodes.enumerated() {
            if fusedDequantize.contains(index) || node.outputs.allSatisfy({ constants[$0] != nil }) { continue }
            var outputs: [String: Tensor] = [:]
            switch node.op {
            case .quantizeLinear(let axis) where fusedPairs[index] != nil:
                let dq = graph.nodes[fusedPairs[index]!]
                outputs[dq.outputs[0]] = QuantizeLinearKernels.fakeQuantize(
                    try value(node.inputs[0])!, scale: try value(node.inputs[1])!,
                    zeroPoint: node.inputs.count > 2 ? try value(node.inputs[2]) : nil, axis: axis)
            case .quantizeLinear(let axis):
                outputs[node.outputs[0]] = QuantizeLinearKernels.quantize(
                    try value(node.inputs[0])!, scale: try value(node.inputs[1])!,
                    zeroPoint: node.inputs.count > 2 ? try value(node.inputs[2]) : nil, axis: axis)
            case .dequantizeLinear(let axis):
                outputs[node.outputs[0]] = QuantizeLinearKernels.dequantize(
                    try value(node.inputs[0])!, scale: try value(node.inputs[1])!,
                    zeroPoint: node.inputs.count > 2 ? try value(node.inputs[2]) : nil, axis: axis)
            default:
                var feed: [String: Tensor] = [:]
                for name in node.inputs where !name.isEmpty && constants[name] == nil { feed[name] = try value(name) }
                let runner = try runner(for: index, feed: feed)
                outputs = try runner.run(feed)
            }
            let written = fusedPairs[index].map { graph.nodes[$0].outputs } ?? node.outputs
            for name in written where !name.isEmpty {
                guard let t = outputs[name] else {
                    throw QuantizationError.unsupportedGraph("node '\(node.name)' did not produce '\(name)'")
                }
                values[name] = try observe(name, t)
            }
            for name in node.inputs where lastUse[name] == index { values[name] = nil }
        }
        var result: [String: Tensor] = [:]
        for o in graph.outputs { result[o.name] = try value(o.name) }
        return result
    }

    private func runner(for index: Int, feed: [String: Tensor]) throws -> FloatGraphRunner {
        let node = graph.nodes[index]
        let names = node.inputs.filter { !$0.isEmpty && constants[$0] == nil }
        let shapes = names.map { feed[$0]!.shape }
        if let cached = runners[index], cached.shapes == shapes { return cached.runner }
        var inits: [String: Tensor] = [:]
        for name in node.inputs where !name.isEmpty { if let c = constants[name] { inits[name] = c } }
        let sub = Graph(
            name: node.name, nodes: [node],
            inputs: zip(names, shapes).map { ValueInfo(name: $0, shape: $1, dtype: feed[$0]!.dtype) },
            outputs: node.outputs.map { graph.valueInfo[$0] ?? ValueInfo(name: $0, shape: []) },
            initializers: inits)
        let r = try factory(sub)
        runners[index] = (shapes, r)
        return r
    }
}
