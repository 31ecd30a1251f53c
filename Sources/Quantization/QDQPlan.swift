import NN
import TensorCore

/// The marking phase of ORT's `QDQQuantizer.quantize_model`: walks the nodes in order, lets each
/// op's rule mark tensors to quantize, biases to quantize as int32 and Relu/Clip nodes to remove.
struct QDQPlan {
    enum Kind { case activation, weight }
    struct TensorInfo {
        var kind: Kind
        var axis: Int?
        /// (input tensor, node) whose parameters this tensor shares.
        var provider: (input: String, node: String)?
    }
    struct BiasInfo {
        var node: String
        var input: String
        var weight: String
        var beta: Float
    }

    var graph: Graph
    let perChannel: Bool
    let calibrated: Set<String>
    /// Nodes that mark nothing (ORT's `nodes_to_exclude`).
    let excluded: Set<String>
    /// ORT keeps Relu/Clip when activations are symmetric (a symmetric range cannot stand in for them).
    let keepActivations: Bool
    /// See ``QuantizationOptions/quantizeLayoutOnlyInputs``.
    let quantizeLayoutOnlyInputs: Bool
    /// Insertion-ordered, like the Python dicts they mirror.
    private(set) var tensorOrder: [String] = []
    private(set) var tensors: [String: TensorInfo] = [:]
    private(set) var biasOrder: [String] = []
    private(set) var biases: [String: BiasInfo] = [:]
    private(set) var removedNodes: Set<String> = []

    init(graph: Graph, perChannel: Bool, calibrated: Set<String>, excluded: Set<String> = [], keepActivations: Bool = false,
         quantizeLayoutOnlyInputs: Bool = false) {
        self.graph = graph
        self.perChannel = perChannel
        self.calibrated = calibrated
        self.excluded = excluded
        self.keepActivations = keepActivations
        self.quantizeLayoutOnlyInputs = quantizeLayoutOnlyInputs
    }

    func isQuantized(_ name: String) -> Bool { tensors[name] != nil || biases[name] != nil }

    private func isQuantizable(_ name: String) -> Bool {
        if name.isEmpty { return false }
        if let t = graph.initializers[name] { return t.dtype == .float32 || t.dtype == .float16 }
        if let vi = graph.valueInfo[name] { return vi.dtype.isFloatingPoint }
        if let vi = graph.inputs.first(where: { $0.name == name }) { return vi.dtype.isFloatingPoint }
        if let vi = graph.outputs.first(where: { $0.name == name }) { return vi.dtype.isFloatingPoint }
        // Intermediate values of our FP32 graphs are float; shape inference may not have run.
        return graph.producer(of: name) != nil
    }

    private mutating func mark(_ name: String, _ info: TensorInfo, overwrite: Bool) {
        guard isQuantizable(name) else { return }
        if tensors[name] == nil { tensorOrder.append(name) }
        if tensors[name] == nil || overwrite { tensors[name] = info }
    }

    mutating func markActivation(_ name: String) {
        mark(name, TensorInfo(kind: .activation), overwrite: false)
    }

    mutating func markShared(_ output: String, input: String, node: String) {
        mark(output, TensorInfo(kind: .activation, provider: (input, node)), overwrite: true)
    }

    mutating func markWeight(_ name: String, axis: Int?) {
        if let axis {
            guard let w = graph.initializers[name], w.dtype == .float32 else { return }
            if tensors[name] == nil { tensorOrder.append(name) }
            tensors[name] = TensorInfo(kind: .weight, axis: axis)
        } else {
            mark(name, TensorInfo(kind: .weight), overwrite: false)
        }
    }

    /// Consumers in the current (partly rewritten) node list, removed nodes included as in ORT.
    private func consumerCount(_ name: String) -> Int {
        graph.nodes.reduce(0) { $0 + ($1.inputs.contains(name) ? 1 : 0) }
    }

    mutating func run() throws {
        if quantizeLayoutOnlyInputs {
            for input in graph.inputs where graph.initializers[input.name] == nil && calibrated.contains(input.name) {
                let readers = graph.consumers(of: input.name)
                let layoutOnly = !readers.isEmpty && readers.allSatisfy { node in
                    if excluded.contains(node.name) { return false }
                    if case .sharesInputParameters? = QDQRule.rule(for: node.op) { return true }
                    return false
                }
                if layoutOnly { markActivation(input.name) }
            }
        }
        for index in graph.nodes.indices {
            let node = graph.nodes[index]
            guard !excluded.contains(node.name), let rule = QDQRule.rule(for: node.op) else { continue }
            switch rule {
            case .weighted(let defaultAxis):
                try markWeighted(node, defaultAxis: defaultAxis)
            case .removableActivation:
                let input = node.inputs[0], output = node.outputs[0]
                guard isQuantized(input) else { continue }
                if !keepActivations, replaceUpstreamOutput(input, with: output) {
                    removedNodes.insert(node.name)
                } else {
                    markActivation(input)
                }
                markActivation(output)
            case .sharesInputParameters:
                if isQuantized(node.inputs[0]) {
                    markShared(node.outputs[0], input: node.inputs[0], node: node.name)
                }
            case .allTensors:
                for name in node.inputs + node.outputs where !name.isEmpty { markActivation(name) }
            case .matMul:
                for name in node.inputs + node.outputs where !name.isEmpty {
                    if let w = graph.initializers[name] {
                        markWeight(name, axis: perChannel && w.rank > 1 ? 1 : nil)
                    } else {
                        markActivation(name)
                    }
                }
            }
        }
    }

    private mutating func markWeighted(_ node: Node, defaultAxis: Int) throws {
        markActivation(node.inputs[0])
        markActivation(node.outputs[0])
        guard node.inputs.count >= 2, !node.inputs[1].isEmpty else { return }
        let weight = node.inputs[1]
        var axis: Int? = nil
        if perChannel, let w = graph.initializers[weight], defaultAxis < w.rank { axis = defaultAxis }
        markWeight(weight, axis: axis)
        if node.inputs.count >= 3, !node.inputs[2].isEmpty {
            let bias = node.inputs[2]
            guard let b = graph.initializers[bias], b.dtype == .float32 else { return }
            if biases[bias] != nil {
                throw QuantizationError.unsupportedGraph("bias '\(bias)' is shared by two nodes")
            }
            var beta: Float = 1
            if case .gemm(let ta, let tb, let alpha, let bt) = node.op {
                beta = bt
                // ORT folds beta into the bias scale and resets the attribute to 1.
                if let i = graph.nodes.firstIndex(where: { $0.name == node.name }) {
                    graph.nodes[i].op = .gemm(transA: ta, transB: tb, alpha: alpha, beta: 1)
                }
            }
            biasOrder.append(bias)
            biases[bias] = BiasInfo(node: node.name, input: node.inputs[0], weight: weight, beta: beta)
        }
    }

    /// ORT's `try_replacing_upstream_output`: the producer of `upstream` writes `output` directly.
    private mutating func replaceUpstreamOutput(_ upstream: String, with output: String) -> Bool {
        guard calibrated.contains(output), consumerCount(upstream) == 1,
              !graph.outputs.contains(where: { $0.name == upstream }),
              !graph.inputs.contains(where: { $0.name == upstream })
        else { return false }
        for i in graph.nodes.indices {
            graph.nodes[i].outputs = graph.nodes[i].outputs.map { $0 == upstream ? output : $0 }
        }
        if tensors.removeValue(forKey: upstream) != nil { tensorOrder.removeAll { $0 == upstream } }
        return true
    }
}
