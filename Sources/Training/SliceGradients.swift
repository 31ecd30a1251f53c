/// ONNX `Slice` and `Gather` for training: the forward gathers, the backward scatters (adds) the
/// gradient back into zeros of the input's shape (the zoo's TS-CAN/EfficientPhys temporal shift
/// and channel splits; iBVPNet's adaptive max pool, whose gathered windows repeat indices).
enum SliceGradients {
    /// For each output element (row-major), the flat index of the input element it copies.
    static func indices(input shape: [Int], starts: [Int], ends: [Int], axes: [Int], steps: [Int]) -> (shape: [Int], index: [Int]) {
        let rank = shape.count
        var begin = [Int](repeating: 0, count: rank), step = [Int](repeating: 1, count: rank), out = shape
        for (i, a0) in axes.enumerated() {
            let a = a0 < 0 ? a0 + rank : a0, n = shape[a], s = i < steps.count ? steps[i] : 1
            // ONNX clamping: negative bounds count from the end, then into [0, n] (or [-1, n-1] for s < 0).
            func clamp(_ v: Int) -> Int {
                let w = v < 0 ? v + n : v
                return s > 0 ? Swift.min(Swift.max(w, 0), n) : Swift.min(Swift.max(w, -1), n - 1)
            }
            let (b, e) = (clamp(starts[i]), clamp(ends[i]))
            begin[a] = b
            step[a] = s
            out[a] = s > 0 ? Swift.max(0, (e - b + s - 1) / s) : Swift.max(0, (b - e - s - 1) / -s)
        }
        var strides = [Int](repeating: 1, count: rank)
        for a in Swift.stride(from: rank - 2, through: 0, by: -1) { strides[a] = strides[a + 1] * shape[a + 1] }
        let count = out.reduce(1, *)
        var index = [Int](repeating: 0, count: count)
        var position = [Int](repeating: 0, count: rank)
        for o in 0..<count {
            var flat = 0
            for a in 0..<rank { flat += (begin[a] + position[a] * step[a]) * strides[a] }
            index[o] = flat
            var a = rank - 1
            while a >= 0 {
                position[a] += 1
                if position[a] < out[a] { break }
                position[a] = 0
                a -= 1
            }
        }
        return (out, index)
    }

    /// For each output element of a Gather on `axis`, the flat index of the input element it copies.
    static func gatherIndices(input shape: [Int], axis: Int, indices: [Int]) -> (shape: [Int], index: [Int]) {
        let a = axis < 0 ? axis + shape.count : axis, n = shape[a]
        let outer = shape[..<a].reduce(1, *), inner = shape[(a + 1)...].reduce(1, *)
        var out = shape
        out[a] = indices.count
        var index: [Int] = []
        index.reserveCapacity(outer * indices.count * inner)
        for o in 0..<outer {
            for k in indices { for i in 0..<inner { index.append((o * n + (k < 0 ? k + n : k)) * inner + i) } }
        }
        return (out, index)
    }

    static func forward(_ x: Activation, shape: [Int], index: [Int]) -> Activation {
        Activation(shape: shape, data: index.map { x.data[$0] })
    }

    static func backward(_ dy: Activation, inShape: [Int], index: [Int]) -> Activation {
        var dx = Activation(zeros: inShape)
        for (o, i) in index.enumerated() { dx.data[i] += dy.data[o] }
        return dx
    }

    static func forward(_ x: Activation, starts: [Int], ends: [Int], axes: [Int], steps: [Int]) -> Activation {
        let (shape, index) = indices(input: x.shape, starts: starts, ends: ends, axes: axes, steps: steps)
        return forward(x, shape: shape, index: index)
    }

    static func backward(_ dy: Activation, inShape: [Int], starts: [Int], ends: [Int], axes: [Int], steps: [Int]) -> Activation {
        backward(dy, inShape: inShape, index: indices(input: inShape, starts: starts, ends: ends, axes: axes, steps: steps).index)
    }
}
