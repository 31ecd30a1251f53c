import NN
import Quantization
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

        let ordered = intervals.sorted { $0.key < $1.key }
        let spans = ordered.map { ArenaPacking.Interval(first: $0.value.first, last: $0.value.last, bytes: $0.value.bytes) }
        let offsets = ArenaPacking.firstFit(spans, alignment: Self.alignment)
        let placed = zip(ordered, offsets).map { entry, offset in
            DeployReport.Buffer(tensor: entry.key, bytes: entry.value.bytes, offset: offset,
                                firstUse: entry.value.first, lastUse: entry.value.last)
        }
        buffers = placed.sorted { ($0.firstUse, $0.offset) < ($1.firstUse, $1.offset) }
        arenaBytes = placed.map { $0.offset + $0.bytes }.max() ?? 0
        unsharedBytes = placed.reduce(0) { $0 + $1.bytes }
    }

}

func isQDQ(_ op: Op) -> Bool {
    switch op {
    case .quantizeLinear, .dequantizeLinear: return true
    default: return false
    }
}
