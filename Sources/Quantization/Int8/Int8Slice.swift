import Kernels
import NN

/// ONNX Slice and Transpose for the int8 plan: a strided gather, on int8 values (data movement keeps the scale
/// and zero point, as ORT's QDQ Slice does) or on floats in the float fallback.
enum Int8Slice {
    /// Output shape (ONNX clamping rules, as the graph's shape inference applies them).
    static func shape(input: [Int], starts: [Int], ends: [Int], axes: [Int], steps: [Int]) -> [Int] {
        var out = input
        for (i, axis0) in axes.enumerated() {
            let axis = axis0 < 0 ? axis0 + input.count : axis0
            let n = input[axis], step = i < steps.count ? steps[i] : 1
            func clamp(_ v: Int) -> Int { let w = v < 0 ? v + n : v; return step > 0 ? min(max(w, 0), n) : min(max(w, -1), n - 1) }
            let b = clamp(starts[i]), e = clamp(ends[i])
            out[axis] = step > 0 ? max(0, (e - b + step - 1) / step) : max(0, (b - e - step - 1) / -step)
        }
        return out
    }

    /// Offset and per-axis strides into the input that read the slice of shape `output`.
    static func layout(input: [Int], output: [Int], starts: [Int], axes: [Int], steps: [Int]) -> (offset: Int, strides: [Int]) {
        FP32Layout.sliceLayout(input: input, output: output, starts: starts, axes: axes, steps: steps)
    }

    /// Output shape and the input strides that read a Transpose by `perm` (empty: reversed axes).
    static func transposeLayout(input: [Int], perm: [Int]) -> (shape: [Int], strides: [Int]) {
        let p = perm.isEmpty ? Array(input.indices.reversed()) : perm
        let contiguous = FP32Layout.contiguousStrides(input)
        return (p.map { input[$0] }, p.map { contiguous[$0] })
    }

    /// Copies the elements of `x` at `offset + Σ index·strides` into contiguous `y` of `shape`;
    /// the innermost axis runs as a plain loop.
    static func gather<T>(_ x: UnsafePointer<T>, offset: Int, strides: [Int], shape: [Int], into y: UnsafeMutablePointer<T>) {
        let count = shape.reduce(1, *)
        guard count > 0, let inner = shape.last else { if count == 1 { y[0] = x[offset] }; return }
        let rank = shape.count, innerStride = strides[rank - 1]
        var index = [Int](repeating: 0, count: rank)
        var src = offset, o = 0
        while o < count {
            for j in 0..<inner { y[o + j] = x[src + j * innerStride] }
            o += inner
            var a = rank - 2
            while a >= 0 {
                index[a] += 1
                src += strides[a]
                if index[a] < shape[a] { break }
                src -= strides[a] * shape[a]
                index[a] = 0
                a -= 1
            }
            if a < 0 { break }
        }
    }
}
