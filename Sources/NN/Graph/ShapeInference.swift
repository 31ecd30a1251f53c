import TensorCore
import Kernels

/// Static shape and dtype inference over the graph IR: fills `graph.valueInfo` for every value
/// from the graph inputs and initializers, in node order. Every error names the node.
public enum ShapeInference {
    /// A node whose inputs do not fit its operation.
    public struct ShapeError: UserFacingError {
        public let node: String
        public let op: String
        public let message: String
        public var description: String { "Node '\(node)' (\(op)): \(message)" }
    }

    /// Fills `graph.valueInfo` (inputs, initializers and every node output).
    public static func run(_ graph: inout Graph) throws {
        var info: [String: ValueInfo] = [:]
        for input in graph.inputs { info[input.name] = input }
        for (name, t) in graph.initializers { info[name] = ValueInfo(name: name, shape: t.shape, dtype: t.dtype) }
        for node in graph.nodes {
            func fail(_ message: String) -> ShapeError { ShapeError(node: node.name, op: node.op.name, message: message) }
            let inputs: [ValueInfo?] = node.inputs.map { $0.isEmpty ? nil : info[$0] }
            for (i, name) in node.inputs.enumerated() where !name.isEmpty && inputs[i] == nil {
                throw fail("input '\(name)' is not produced by any earlier node, graph input or initializer")
            }
            guard let x = inputs.first ?? nil else { throw fail("has no first input") }
            let shapes = try outputShapes(node, x: x, inputs: inputs, graph: graph, fail: fail)
            for (name, (shape, dtype)) in zip(node.outputs, shapes) where !name.isEmpty {
                info[name] = ValueInfo(name: name, shape: shape, dtype: dtype)
            }
        }
        for (i, output) in graph.outputs.enumerated() {
            guard let inferred = info[output.name] else {
                throw ShapeError(node: output.name, op: "output", message: "graph output is never produced")
            }
            if output.shape.isEmpty || output.shape.contains(where: { $0 <= 0 }) { graph.outputs[i] = inferred }
        }
        graph.valueInfo = info
    }

    static func outputShapes(
        _ node: Node, x: ValueInfo, inputs: [ValueInfo?], graph: Graph, fail: (String) -> ShapeError
    ) throws -> [([Int], DType)] {
        let s = x.shape
        func input(_ i: Int) -> ValueInfo? { i < inputs.count ? inputs[i] : nil }
        switch node.op {
        case .conv(let a), .qLinearConv(let a):
            let wIndex = node.op.name == "QLinearConv" ? 3 : 1
            guard let w = input(wIndex), w.shape.count == a.spatialRank + 2, s.count == a.spatialRank + 2 else {
                throw fail("expects input and weight of rank \(a.spatialRank + 2), got \(s) and \(input(wIndex)?.shape ?? [])")
            }
            guard s[1] == w.shape[1] * a.groups else {
                throw fail("input has \(s[1]) channels but the weight \(w.shape) with groups \(a.groups) expects \(w.shape[1] * a.groups)")
            }
            var out = [s[0], w.shape[0]]
            for d in 0..<a.spatialRank {
                let span = a.dilation[d] * (a.kernel[d] - 1) + 1
                let size = (s[d + 2] + a.padsBegin[d] + a.padsEnd[d] - span) / a.stride[d] + 1
                guard size > 0 else { throw fail("spatial size \(s[d + 2]) is too small for kernel \(a.kernel)") }
                out.append(size)
            }
            let dtype = node.op.name == "QLinearConv" ? (input(7)?.dtype ?? .int8) : x.dtype
            return [(out, dtype)]
        case .convTranspose(let t):
            let a = t.conv
            guard let w = input(1), w.shape.count == a.spatialRank + 2, s.count == a.spatialRank + 2, s[1] == w.shape[0] else {
                throw fail("input \(s) does not fit weight \(input(1)?.shape ?? [])")
            }
            var out = [s[0], w.shape[1] * a.groups]
            for d in 0..<a.spatialRank {
                out.append((s[d + 2] - 1) * a.stride[d] - a.padsBegin[d] - a.padsEnd[d]
                           + a.dilation[d] * (a.kernel[d] - 1) + t.outputPadding[d] + 1)
            }
            return [(out, x.dtype)]
        case .batchNorm, .instanceNorm, .layerNorm, .softmax, .relu, .elu, .tanh, .sigmoid, .clip, .identity, .dropout:
            return [(s, x.dtype)]
        case .gemm(let transA, let transB, _, _):
            guard let b = input(1), s.count == 2, b.shape.count == 2 else { throw fail("Gemm needs 2-D inputs") }
            let k1 = transA ? s[0] : s[1], k2 = transB ? b.shape[1] : b.shape[0]
            guard k1 == k2 else { throw fail("inner dimensions differ: \(s) and \(b.shape)") }
            return [([transA ? s[1] : s[0], transB ? b.shape[0] : b.shape[1]], x.dtype)]
        case .matMul:
            guard let b = input(1), let out = FP32MatMul.shape(s, b.shape) else {
                throw fail("MatMul shapes \(s) and \(input(1)?.shape ?? []) do not fit")
            }
            return [(out, x.dtype)]
        case .maxPool(let a), .avgPool(let a):
            let r = a.kernel.count
            guard s.count == r + 2 else { throw fail("\(r)-D pooling needs rank \(r + 2) input, got \(s)") }
            var out = Array(s.prefix(2))
            for d in 0..<r {
                let span = s[d + 2] + a.padsBegin[d] + a.padsEnd[d] - a.kernel[d]
                var size = (a.ceilMode ? (span + a.stride[d] - 1) / a.stride[d] : span / a.stride[d]) + 1
                // As PyTorch and ONNX: the last window must start inside the input or left padding.
                if a.ceilMode && (size - 1) * a.stride[d] >= s[d + 2] + a.padsBegin[d] { size -= 1 }
                guard size > 0 else { throw fail("input \(s) is smaller than the pooling window \(a.kernel)") }
                out.append(size)
            }
            return [(out, x.dtype)]
        case .adaptiveAvgPool(let size):
            guard s.count >= size.count + 1 else { throw fail("cannot pool \(s) to \(size)") }
            return [(Array(s.prefix(s.count - size.count)) + size, x.dtype)]
        case .globalAvgPool:
            guard s.count >= 3 else { throw fail("needs [N, C, spatial...], got \(s)") }
            return [(Array(s.prefix(2)) + Array(repeating: 1, count: s.count - 2), x.dtype)]
        case .add, .sub, .mul, .div:
            guard let b = input(1) else { throw fail("needs two inputs") }
            guard let out = broadcast(s, b.shape) else { throw fail("shapes \(s) and \(b.shape) do not broadcast") }
            return [(out, x.dtype)]
        case .reduceMean(let axes, let keep):
            let norm = Set(axes.isEmpty ? Array(0..<s.count) : axes.map { $0 < 0 ? $0 + s.count : $0 })
            guard norm.allSatisfy({ $0 >= 0 && $0 < s.count }) else { throw fail("axes \(axes) outside rank \(s.count)") }
            let out = s.enumerated().compactMap { norm.contains($0.offset) ? (keep ? 1 : nil) : $0.element }
            return [(out, x.dtype)]
        case .reshape(let target):
            var out = target.enumerated().map { $0.element == 0 ? s[$0.offset] : $0.element }
            let known = out.filter { $0 != -1 }.reduce(1, *)
            let total = s.reduce(1, *)
            if let i = out.firstIndex(of: -1) {
                guard known > 0, total % known == 0 else { throw fail("cannot reshape \(s) to \(target)") }
                out[i] = total / known
            }
            guard out.reduce(1, *) == total else { throw fail("cannot reshape \(s) (\(total) elements) to \(target)") }
            return [(out, x.dtype)]
        case .flatten(let axis):
            let a = axis < 0 ? axis + s.count : axis
            return [([s.prefix(a).reduce(1, *), s.dropFirst(a).reduce(1, *)], x.dtype)]
        case .transpose(let perm):
            let p = perm.isEmpty ? Array((0..<s.count).reversed()) : perm
            guard p.sorted() == Array(0..<s.count) else { throw fail("perm \(perm) does not fit rank \(s.count)") }
            return [(p.map { s[$0] }, x.dtype)]
        case .squeeze(let axes):
            let norm = Set(axes.map { $0 < 0 ? $0 + s.count : $0 })
            if norm.contains(where: { $0 < 0 || $0 >= s.count || s[$0] != 1 }) { throw fail("cannot squeeze axes \(axes) of \(s)") }
            let out = s.enumerated().filter { axes.isEmpty ? $0.element != 1 : !norm.contains($0.offset) }.map(\.element)
            return [(out, x.dtype)]
        case .unsqueeze(let axes):
            let rank = s.count + axes.count
            let norm = Set(axes.map { $0 < 0 ? $0 + rank : $0 })
            var it = s.makeIterator()
            return [((0..<rank).map { norm.contains($0) ? 1 : it.next() ?? 1 }, x.dtype)]
        case .concat(let axis):
            let a = axis < 0 ? axis + s.count : axis
            var out = s
            out[a] = inputs.compactMap { $0?.shape[a] }.reduce(0, +)
            return [(out, x.dtype)]
        case .slice(let starts, let ends, let axes, let steps):
            var out = s
            for (i, axis0) in axes.enumerated() {
                let axis = axis0 < 0 ? axis0 + s.count : axis0
                let n = s[axis]
                let step = i < steps.count ? steps[i] : 1
                func clamp(_ v: Int) -> Int { let w = v < 0 ? v + n : v; return step > 0 ? min(max(w, 0), n) : min(max(w, -1), n - 1) }
                let b = clamp(starts[i]), e = clamp(ends[i])
                out[axis] = step > 0 ? max(0, (e - b + step - 1) / step) : max(0, (b - e - step - 1) / -step)
            }
            return [(out, x.dtype)]
        case .gather(let axis, let indices):
            let a = axis < 0 ? axis + s.count : axis
            guard s.indices.contains(a), indices.allSatisfy({ (-s[a]..<s[a]).contains($0) }) else {
                throw fail("indices out of range for axis \(axis) of \(s)")
            }
            var out = s
            out[a] = indices.count
            return [(out, x.dtype)]
        case .quantizeLinear:
            return [(s, input(2)?.dtype ?? .int8)]
        case .dequantizeLinear:
            return [(s, .float32)]
        }
    }

    /// Numpy broadcasting of two shapes, or nil when they do not broadcast.
    public static func broadcast(_ a: [Int], _ b: [Int]) -> [Int]? {
        let rank = max(a.count, b.count)
        let pa = Array(repeating: 1, count: rank - a.count) + a
        let pb = Array(repeating: 1, count: rank - b.count) + b
        var out: [Int] = []
        for (x, y) in zip(pa, pb) {
            if x == y || y == 1 { out.append(x) } else if x == 1 { out.append(y) } else { return nil }
        }
        return out
    }
}
