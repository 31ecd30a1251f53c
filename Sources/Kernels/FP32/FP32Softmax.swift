import Foundation

/// Softmax along one axis (ONNX opset-13 `Softmax`): per line, the maximum is subtracted before
/// `exp` (no overflow), the sum is taken in Double, `y = e / Σe`.
public enum FP32Softmax {
    /// `outer` × `axisLength` × `inner` values, row-major; lines run along the middle axis.
    public static func softmax(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, outer: Int, axisLength n: Int, inner: Int) {
        for o in 0..<outer {
            for i in 0..<inner {
                let base = o * n * inner + i
                var m = -Float.infinity
                for k in 0..<n { m = max(m, x[base + k * inner]) }
                var sum = 0.0
                for k in 0..<n {
                    let e = expf(x[base + k * inner] - m)
                    y[base + k * inner] = e
                    sum += Double(e)
                }
                let r = Float(1 / sum)
                for k in 0..<n { y[base + k * inner] *= r }
            }
        }
    }

    /// (outer, axis length, inner) of a Softmax on `axis` of `shape`.
    public static func layout(_ shape: [Int], axis: Int) -> (outer: Int, axisLength: Int, inner: Int) {
        let a = axis < 0 ? axis + shape.count : axis
        return (shape[..<a].reduce(1, *), shape[a], shape[(a + 1)...].reduce(1, *))
    }
}
