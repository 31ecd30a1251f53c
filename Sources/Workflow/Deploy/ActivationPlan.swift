import NN
import TensorCore

/// Activation memory of a QDQ graph as an int8 runtime executes it: a DequantizeLinear of an
/// activation reads the int8 tensor in place, and a compute node whose only consumer is a
/// QuantizeLinear writes int8 directly (requantization is fused), so neither owns a buffer.
/// Buffers are then packed into one arena by first-fit over their lifetimes.
struct ActivationPlan {
    var buffers: [DeployReport.Buffer]
    var arenaBytes: Int
    var unsharedBytes: Int

    /// Alignment of every buffer in the arena (DMA-friendly on Cortex-M).
    static let alignment = 16

    init(graph: Graph) {
        let producers = Dictionary(
            graph.nodes.enumerated().flatMap { i, n in n.outputs.map { ($0, i) } }, uniquingKeysWith: { a, _ in a })
        var consumers: [String: [Int]] = [:]
        for (i, node) in graph.nodes.enumerated() {
            for input in node.inputs where !input.isEmpty { consumers[input, default: []].append(i) }
        }

        // Which buffer a value lives in, and how wide its elements are there.
        func bufferKey(_ value: String) -> String {
            if let p = producers[value] {
                let node = graph.nodes[p]
                if case .dequantizeLinear = node.op, graph.initializers[node.inputs[0]] == nil {
                    return bufferKey(node.inputs[0])
                }
                if !isQDQ(node.op), let users = consumers[value], users.count == 1,
                    case .quantizeLinear = graph.nodes[users[0]].op
                {
                    return graph.nodes[users[0]].outputs[0]
                }
            }
            return value
        }

        var intervals: [String: (first: Int, last: Int, bytes: Int)] = [:]
        func touch(_ value: String, at step: Int) {
            guard !value.isEmpty, graph.initializers[value] == nil else { return }
            if let p = producers[value], case .dequantizeLinear = graph.nodes[p].op,
                graph.initializers[graph.nodes[p].inputs[0]] != nil
            {
                return  // a dequantized weight: constant data, not an activation
            }
            let key = bufferKey(value)
            guard let info = graph.valueInfo[key] ?? graph.inputs.first(where: { $0.name == key })
                ?? graph.outputs.first(where: { $0.name == key })
            else { return }
            // Quantized tensors are one byte per element whatever dtype shape inference recorded.
            var width = info.dtype.byteWidth
            if let p = producers[key], case .quantizeLinear = graph.nodes[p].op { width = 1 }
            let bytes = info.shape.reduce(1, *) * width
            if let old = intervals[key] {
                intervals[key] = (min(old.first, step), max(old.last, step), bytes)
            } else {
                intervals[key] = (step, step, bytes)
            }
        }
        for input in graph.inputs { touch(input.name, at: 0) }
        for (i, node) in graph.nodes.enumerated() {
            for value in node.inputs + node.outputs { touch(value, at: i) }
        }
        let end = max(graph.nodes.count - 1, 0)
        for output in graph.outputs { touch(output.name, at: end) }
        for output in graph.outputs {
            let key = bufferKey(output.name)
            if let old = intervals[key] { intervals[key] = (old.first, end, old.bytes) }
        }

        // First-fit, largest buffers first: a simple packing that is close to optimal for chains.
        let ordered = intervals.sorted { $0.value.bytes != $1.value.bytes ? $0.value.bytes > $1.value.bytes : $0.key < $1.key }
        var placed: [DeployReport.Buffer] = []
        for (name, interval) in ordered {
            let overlapping = placed.filter { $0.firstUse <= interval.last && interval.first <= $0.lastUse }
                .sorted { $0.offset < $1.offset }
            var offset = 0
            for other in overlapping {
                if offset + interval.bytes <= other.offset { break }
                offset = max(offset, Self.aligned(other.offset + other.bytes))
            }
            placed.append(.init(tensor: name, bytes: interval.bytes, offset: offset,
                                firstUse: interval.first, lastUse: interval.last))
        }
        buffers = placed.sorted { ($0.firstUse, $0.offset) < ($1.firstUse, $1.offset) }
        arenaBytes = placed.map { $0.offset + $0.bytes }.max() ?? 0
        unsharedBytes = placed.reduce(0) { $0 + $1.bytes }
    }

    static func aligned(_ n: Int) -> Int { (n + alignment - 1) / alignment * alignment }
}

func isQDQ(_ op: Op) -> Bool {
    switch op {
    case .quantizeLinear, .dequantizeLinear: return true
    default: return false
    }
}
