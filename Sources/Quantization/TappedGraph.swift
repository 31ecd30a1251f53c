import NN
import TensorCore

/// Runs a float graph and lets a caller see the intermediate values it names.
protocol ValueTap: AnyObject {
    /// Runs on named inputs; `observe(name, value)` sees the graph inputs and each tapped value.
    func runTapped(_ inputs: [String: Tensor], observe: (String, Tensor) throws -> Void) throws -> [String: Tensor]
}

extension NodeInterpreter: ValueTap {
    /// Every value, node by node.
    func runTapped(_ inputs: [String: Tensor], observe: (String, Tensor) throws -> Void) throws -> [String: Tensor] {
        try run(inputs) { name, t in
            try observe(name, t)
            return t
        }
    }
}

/// The whole float graph in one compiled executor, with the tapped values added as graph outputs
/// (what ORT's calibrator does to the model): no copy of every node's input into a one-node
/// executor, no one-node executor per op. For engines that run whole graphs (NN's FP32 executor);
/// ``NodeInterpreter`` serves one-node engines.
final class TappedGraph: ValueTap {
    private let runner: FloatGraphRunner
    private let inputs: Set<String>
    private let tapped: [String]
    private let outputs: [String]

    /// `taps`: values to observe (graph inputs among them are observed as given).
    init(graph: Graph, taps: [String], factory: FloatRunnerFactory) throws {
        var g = graph
        let inputs = Set(graph.inputs.map(\.name))
        let produced = Set(graph.nodes.flatMap(\.outputs))
        let tapped = taps.filter { produced.contains($0) && !inputs.contains($0) }
        self.inputs = inputs
        self.tapped = tapped
        outputs = graph.outputs.map(\.name)
        let existing = Set(outputs)
        for name in tapped where !existing.contains(name) {
            g.outputs.append(graph.valueInfo[name] ?? ValueInfo(name: name, shape: []))
        }
        runner = try factory(g)
    }

    func runTapped(_ feed: [String: Tensor], observe: (String, Tensor) throws -> Void) throws -> [String: Tensor] {
        for (name, t) in feed where inputs.contains(name) { try observe(name, t) }
        let all = try runner.run(feed)
        for name in tapped {
            guard let t = all[name] else { throw QuantizationError.unsupportedGraph("the float engine did not return '\(name)'") }
            try observe(name, t)
        }
        var result: [String: Tensor] = [:]
        for name in outputs { result[name] = all[name] }
        return result
    }
}

extension ValueTap {
    /// The whole graph on `wholeGraph` when given, else node by node on `runner`.
    static func make(_ graph: Graph, taps: [String], runner: @escaping FloatRunnerFactory,
                     wholeGraph: FloatRunnerFactory?) throws -> ValueTap {
        if let wholeGraph { return try TappedGraph(graph: graph, taps: taps, factory: wholeGraph) }
        return NodeInterpreter(graph: graph, factory: runner)
    }
}
