import NN

/// Static shape rules the int8 planner needs (the plan is compiled for fixed input shapes).
enum Int8Shapes {
    /// Output shape of a shape-only op (Reshape, Flatten, Squeeze, Unsqueeze, Identity, Dropout).
    static func reshaped(_ node: Node, input: [Int]) throws -> [Int] {
        let count = input.reduce(1, *)
        switch node.op {
        case .reshape(let target):
            var out = target.enumerated().map { i, d in d == 0 && i < input.count ? input[i] : d }
            if let inferred = out.firstIndex(of: -1) {
                let known = out.enumerated().filter { $0.offset != inferred }.reduce(1) { $0 * $1.element }
                guard known > 0, count % known == 0 else { throw Int8ExecutorError("node \(node.name): cannot reshape \(input) to \(target)") }
                out[inferred] = count / known
            }
            guard out.reduce(1, *) == count else { throw Int8ExecutorError("node \(node.name): cannot reshape \(input) to \(target)") }
            return out
        case .flatten(let axis):
            let a = axis < 0 ? axis + input.count : axis
            return [input[..<a].reduce(1, *), input[a...].reduce(1, *)]
        case .squeeze(let axes):
            let r = input.count
            let drop = axes.isEmpty ? Set(input.indices.filter { input[$0] == 1 }) : Set(axes.map { $0 < 0 ? $0 + r : $0 })
            return input.enumerated().filter { !drop.contains($0.offset) }.map(\.element)
        case .unsqueeze(let axes):
            let r = input.count + axes.count
            let add = Set(axes.map { $0 < 0 ? $0 + r : $0 })
            var it = input.makeIterator()
            return (0..<r).map { add.contains($0) ? 1 : it.next()! }
        default:
            return input
        }
    }

    /// Pool output sizes (ONNX floor/ceil rule, a last window must start inside input + begin pad).
    static func poolOutput(_ p: PoolAttributes, input: [Int]) -> [Int] {
        (0..<p.kernel.count).map { a in
            let span = input[a] + p.padsBegin[a] + p.padsEnd[a] - p.kernel[a]
            var out = (p.ceilMode ? (span + p.stride[a] - 1) / p.stride[a] : span / p.stride[a]) + 1
            if p.ceilMode && (out - 1) * p.stride[a] >= input[a] + p.padsBegin[a] { out -= 1 }
            return out
        }
    }

    /// Shape after a mean over `axes`.
    static func reduced(_ input: [Int], axes: [Int], keepDims: Bool) -> [Int] {
        let r = input.count
        let set = Set(axes.map { $0 < 0 ? $0 + r : $0 })
        return input.enumerated().compactMap { set.contains($0.offset) ? (keepDims ? 1 : nil) : $0.element }
    }
}
