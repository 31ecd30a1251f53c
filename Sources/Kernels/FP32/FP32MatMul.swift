import TensorCore

/// numpy/ONNX `MatMul` of A `[..., M, K]` and B `[..., K, N]` (rank ≥ 2 each, batch axes
/// broadcast; a 2-D B is shared by every row of A): one sgemm per batch element. PhysFormer's
/// attention (`q @ kᵀ`, `scores @ v`) is the batched case.
public enum FP32MatMul {
    /// Output shape, or nil when the shapes do not multiply.
    public static func shape(_ a: [Int], _ b: [Int]) -> [Int]? {
        if b.count == 2 { return a.count >= 1 && a.last == b[0] ? Array(a.dropLast()) + [b[1]] : nil }
        guard a.count >= 2, b.count >= 2, a[a.count - 1] == b[b.count - 2],
              let batch = broadcast(Array(a.dropLast(2)), Array(b.dropLast(2))) else { return nil }
        return batch + [a[a.count - 2], b[b.count - 1]]
    }

    /// For each batch element of the output, the offsets (in matrices) of its A and B operands.
    public static func batchOffsets(_ a: [Int], _ b: [Int]) -> [(a: Int, b: Int)] {
        guard b.count > 2, let out = shape(a, b) else { return [(0, 0)] }
        let batch = Array(out.dropLast(2)), rank = batch.count
        let ab = Array(repeating: 1, count: rank - (a.count - 2)) + a.dropLast(2)
        let bb = Array(repeating: 1, count: rank - (b.count - 2)) + b.dropLast(2)
        var result: [(Int, Int)] = []
        var index = [Int](repeating: 0, count: rank)
        for _ in 0..<batch.reduce(1, *) {
            var oa = 0, ob = 0
            for d in 0..<rank {
                oa = oa * ab[d] + (ab[d] == 1 ? 0 : index[d])
                ob = ob * bb[d] + (bb[d] == 1 ? 0 : index[d])
            }
            result.append((oa, ob))
            var d = rank - 1
            while d >= 0 { index[d] += 1; if index[d] < batch[d] { break }; index[d] = 0; d -= 1 }
        }
        return result
    }

    public static func run(_ x: UnsafePointer<Float>, _ xs: [Int], _ w: UnsafePointer<Float>, _ ws: [Int], _ y: UnsafeMutablePointer<Float>) {
        if ws.count == 2 {
            let m = xs.dropLast().reduce(1, *), k = xs.last!, n = ws[1]
            BLAS.sgemm(m: m, n: n, k: k, a: x, lda: k, b: w, ldb: n, c: y, ldc: n)
            return
        }
        let (m, k, n) = (xs[xs.count - 2], xs[xs.count - 1], ws[ws.count - 1])
        for (i, o) in batchOffsets(xs, ws).enumerated() {
            BLAS.sgemm(m: m, n: n, k: k, a: x + o.a * m * k, lda: k, b: w + o.b * k * n, ldb: n, c: y + i * m * n, ldc: n)
        }
    }

    static func broadcast(_ a: [Int], _ b: [Int]) -> [Int]? {
        let rank = max(a.count, b.count)
        let pa = Array(repeating: 1, count: rank - a.count) + a, pb = Array(repeating: 1, count: rank - b.count) + b
        var out: [Int] = []
        for (x, y) in zip(pa, pb) {
            if x == y || y == 1 { out.append(x) } else if x == 1 { out.append(y) } else { return nil }
        }
        return out
    }
}
