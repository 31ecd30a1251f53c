/// Element-wise binary ops with numpy broadcasting, and layout ops (transpose, slice, concat,
/// reduce-mean) on contiguous row-major float buffers.
public enum FP32Layout {
    public enum Binary: Sendable { case add, sub, mul, div }

    /// Row-major strides of `shape`, with 0 on axes where `shape` is 1 but `outShape` is not.
    public static func broadcastStrides(_ shape: [Int], to outShape: [Int]) -> [Int] {
        let padded = Array(repeating: 1, count: outShape.count - shape.count) + shape
        var strides = Array(repeating: 0, count: outShape.count)
        var s = 1
        for a in stride(from: outShape.count - 1, through: 0, by: -1) {
            strides[a] = padded[a] == 1 && outShape[a] != 1 ? 0 : s
            s *= padded[a]
        }
        return strides
    }

    /// `y = a ∘ b` with broadcasting; strides from `broadcastStrides`.
    public static func binary(_ op: Binary, a: UnsafePointer<Float>, aStrides: [Int], b: UnsafePointer<Float>,
                              bStrides: [Int], y: UnsafeMutablePointer<Float>, shape: [Int]) {
        let count = shape.reduce(1, *)
        let contiguous = contiguousStrides(shape)
        if aStrides == contiguous && bStrides == contiguous {
            apply(op, a, 1, b, 1, y, count)
            return
        }
        let rank = shape.count
        guard rank > 0 else { apply(op, a, 0, b, 0, y, 1); return }
        let inner = shape[rank - 1], sa = aStrides[rank - 1], sb = bStrides[rank - 1]
        var index = Array(repeating: 0, count: rank)
        var offA = 0, offB = 0, out = 0
        while out < count {
            apply(op, a + offA, sa, b + offB, sb, y + out, inner)
            out += inner
            var axis = rank - 2
            while axis >= 0 {
                index[axis] += 1
                offA += aStrides[axis]; offB += bStrides[axis]
                if index[axis] < shape[axis] { break }
                offA -= aStrides[axis] * shape[axis]; offB -= bStrides[axis] * shape[axis]
                index[axis] = 0
                axis -= 1
            }
        }
    }

    @inline(__always)
    static func apply(_ op: Binary, _ a: UnsafePointer<Float>, _ sa: Int, _ b: UnsafePointer<Float>, _ sb: Int,
                      _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        switch op {
        case .add: for i in 0..<n { y[i] = a[i * sa] + b[i * sb] }
        case .sub: for i in 0..<n { y[i] = a[i * sa] - b[i * sb] }
        case .mul: for i in 0..<n { y[i] = a[i * sa] * b[i * sb] }
        case .div: for i in 0..<n { y[i] = a[i * sa] / b[i * sb] }
        }
    }

    /// ONNX Slice as a strided view: the offset of the first element read and the per-axis
    /// strides into the contiguous input `input` that read the slice of shape `output`
    /// (negative starts count from the end; starts are clamped as the ONNX spec says for the
    /// sign of each step). Shared by the FP32 and int8 executors.
    public static func sliceLayout(input: [Int], output: [Int], starts: [Int], axes: [Int], steps: [Int]) -> (offset: Int, strides: [Int]) {
        var strides = contiguousStrides(input)
        var offset = 0
        for (i, axis0) in axes.enumerated() {
            let axis = axis0 < 0 ? axis0 + input.count : axis0
            let len = input[axis], step = i < steps.count ? steps[i] : 1
            let start0 = starts[i] < 0 ? starts[i] + len : starts[i]
            let start = step > 0 ? min(max(start0, 0), len) : min(max(start0, -1), len - 1)
            if output[axis] > 0 { offset += start * strides[axis] }
            strides[axis] *= step
        }
        return (offset, strides)
    }

    /// ONNX Gather on one axis with constant, already non-negative indices:
    /// `y[o, j, i] = x[o, indices[j], i]`, `o` over the axes before it, `i` over those after.
    /// Generic so that the int8 executor moves int8 values with the same loop.
    public static func gather<T>(_ x: UnsafePointer<T>, outer: Int, axisLength: Int, inner: Int, indices: [Int],
                                 y: UnsafeMutablePointer<T>) {
        for o in 0..<outer {
            for (j, k) in indices.enumerated() {
                (y + (o * indices.count + j) * inner).update(from: x + (o * axisLength + k) * inner, count: inner)
            }
        }
    }

    /// (outer, axis length, inner, non-negative indices) of a Gather on `axis` of `shape`.
    public static func gatherLayout(input shape: [Int], axis: Int, indices: [Int]) -> (outer: Int, axisLength: Int, inner: Int, indices: [Int]) {
        let a = axis < 0 ? axis + shape.count : axis
        let n = shape[a]
        return (shape[..<a].reduce(1, *), n, shape[(a + 1)...].reduce(1, *), indices.map { $0 < 0 ? $0 + n : $0 })
    }

    public static func contiguousStrides(_ shape: [Int]) -> [Int] {
        var strides = Array(repeating: 1, count: shape.count)
        var s = 1
        for a in stride(from: shape.count - 1, through: 0, by: -1) { strides[a] = s; s *= shape[a] }
        return strides
    }

    /// Copies a strided view `x[offset + Σ index·strides]` of shape `shape` into contiguous `y`.
    /// Serves transpose (permuted strides) and slice (offset, stepped strides).
    public static func gather(_ x: UnsafePointer<Float>, offset: Int, strides: [Int], shape: [Int],
                              y: UnsafeMutablePointer<Float>) {
        let count = shape.reduce(1, *)
        guard count > 0 else { return }
        let rank = shape.count
        guard rank > 0 else { y[0] = x[offset]; return }
        let inner = shape[rank - 1], si = strides[rank - 1]
        var index = Array(repeating: 0, count: rank)
        var off = offset, out = 0
        while out < count {
            if si == 1 { (y + out).update(from: x + off, count: inner) } else {
                for i in 0..<inner { y[out + i] = x[off + i * si] }
            }
            out += inner
            var axis = rank - 2
            while axis >= 0 {
                index[axis] += 1
                off += strides[axis]
                if index[axis] < shape[axis] { break }
                off -= strides[axis] * shape[axis]
                index[axis] = 0
                axis -= 1
            }
        }
    }

    /// Concatenation along `axis` of contiguous parts.
    public static func concat(_ parts: [(UnsafePointer<Float>, [Int])], axis: Int, y: UnsafeMutablePointer<Float>) {
        guard let first = parts.first else { return }
        let outer = first.1[..<axis].reduce(1, *)
        let inner = first.1[(axis + 1)...].reduce(1, *)
        let total = parts.reduce(0) { $0 + $1.1[axis] }
        for o in 0..<outer {
            var at = 0
            for (p, shape) in parts {
                let len = shape[axis] * inner
                (y + o * total * inner + at).update(from: p + o * len, count: len)
                at += len
            }
        }
    }

    /// Mean over `axes` (sorted, distinct) of a contiguous tensor; output has those axes removed
    /// (or kept as 1, which is the same memory).
    public static func reduceMean(_ x: UnsafePointer<Float>, shape: [Int], axes: [Int], y: UnsafeMutablePointer<Float>) {
        let keptShape = shape.enumerated().map { axes.contains($0.offset) ? 1 : $0.element }
        let outCount = keptShape.reduce(1, *)
        let reduceShape = shape.enumerated().map { axes.contains($0.offset) ? $0.element : 1 }
        let n = reduceShape.reduce(1, *)
        if axes.sorted() == Array((shape.count - axes.count)..<shape.count) {
            // Trailing axes (spatial mean, global pooling): each output is a contiguous run.
            for o in 0..<outCount {
                let run = x + o * n
                var acc = 0.0
                for i in 0..<n { acc += Double(run[i]) }
                y[o] = Float(acc / Double(n))
            }
            return
        }
        // Accumulate in Double via a gather per output element (reduced axes innermost).
        let xs = contiguousStrides(shape)
        let order = (0..<shape.count).filter { !axes.contains($0) } + axes
        let permShape = order.map { shape[$0] }, permStrides = order.map { xs[$0] }
        var index = Array(repeating: 0, count: shape.count)
        var off = 0
        var acc = 0.0, seen = 0, out = 0
        let rank = shape.count
        let total = outCount * n
        var visited = 0
        while visited < total {
            acc += Double(x[off]); seen += 1; visited += 1
            if seen == n { y[out] = Float(acc / Double(n)); out += 1; acc = 0; seen = 0 }
            var axis = rank - 1
            while axis >= 0 {
                index[axis] += 1
                off += permStrides[axis]
                if index[axis] < permShape[axis] { break }
                off -= permStrides[axis] * permShape[axis]
                index[axis] = 0
                axis -= 1
            }
        }
    }
}
