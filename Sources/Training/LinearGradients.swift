import NN
import TensorCore

/// `Gemm` (`Y = α·op(A)·op(B) + β·C`), forward and backward, through BLAS.
enum LinearGradients {
    static func dims(_ a: [Int], _ b: [Int], transA: Bool, transB: Bool) throws -> (m: Int, n: Int, k: Int) {
        guard a.count == 2, b.count == 2 else { throw TrainingError.shapeMismatch("gemm: operands must be 2-D, got \(a) and \(b)") }
        let (m, k) = transA ? (a[1], a[0]) : (a[0], a[1])
        let (k2, n) = transB ? (b[1], b[0]) : (b[0], b[1])
        guard k == k2 else { throw TrainingError.shapeMismatch("gemm: inner sizes differ in \(a) and \(b)") }
        return (m, n, k)
    }

    static func forward(_ a: Activation, _ b: Activation, _ c: Activation?, transA: Bool, transB: Bool,
                        alpha: Float, beta: Float) throws -> Activation {
        let (m, n, k) = try dims(a.shape, b.shape, transA: transA, transB: transB)
        var y = Activation(zeros: [m, n])
        if let c {
            let idx = ElementwiseGradients.broadcastIndices(c.shape, to: [m, n])
            for i in 0..<y.count { y.data[i] = beta * c.data[idx[i]] }
        }
        a.data.withUnsafeBufferPointer { ap in
            b.data.withUnsafeBufferPointer { bp in
                y.data.withUnsafeMutableBufferPointer { yp in
                    BLAS.sgemm(transposeA: transA, transposeB: transB, m: m, n: n, k: k, alpha: alpha,
                               a: ap.baseAddress!, lda: transA ? m : k, b: bp.baseAddress!, ldb: transB ? k : n,
                               beta: c == nil ? 0 : 1, c: yp.baseAddress!, ldc: n)
                }
            }
        }
        return y
    }

    static func backward(_ dy: Activation, _ a: Activation, _ b: Activation, cShape: [Int]?, transA: Bool, transB: Bool,
                         alpha: Float, beta: Float) throws -> (Activation, Activation, Activation?) {
        let (m, n, k) = try dims(a.shape, b.shape, transA: transA, transB: transB)
        var da = Activation(zeros: a.shape), db = Activation(zeros: b.shape)
        dy.data.withUnsafeBufferPointer { gp in
            a.data.withUnsafeBufferPointer { ap in
                b.data.withUnsafeBufferPointer { bp in
                    da.data.withUnsafeMutableBufferPointer { dap in
                        // dA' = α·dY·op(B)ᵀ (stored transposed when transA).
                        if !transA {
                            BLAS.sgemm(transposeB: !transB, m: m, n: k, k: n, alpha: alpha, a: gp.baseAddress!, lda: n,
                                       b: bp.baseAddress!, ldb: transB ? k : n, c: dap.baseAddress!, ldc: k)
                        } else {
                            BLAS.sgemm(transposeA: transB, transposeB: true, m: k, n: m, k: n, alpha: alpha,
                                       a: bp.baseAddress!, lda: transB ? k : n, b: gp.baseAddress!, ldb: n,
                                       c: dap.baseAddress!, ldc: m)
                        }
                    }
                    db.data.withUnsafeMutableBufferPointer { dbp in
                        // dB' = α·op(A)ᵀ·dY (stored transposed when transB).
                        if !transB {
                            BLAS.sgemm(transposeA: !transA, m: k, n: n, k: m, alpha: alpha, a: ap.baseAddress!,
                                       lda: transA ? m : k, b: gp.baseAddress!, ldb: n, c: dbp.baseAddress!, ldc: n)
                        } else {
                            BLAS.sgemm(transposeA: true, transposeB: transA, m: n, n: k, k: m, alpha: alpha,
                                       a: gp.baseAddress!, lda: n, b: ap.baseAddress!, ldb: transA ? m : k,
                                       c: dbp.baseAddress!, ldc: k)
                        }
                    }
                }
            }
        }
        var dc: Activation?
        if let cShape {
            var g = Activation(zeros: cShape)
            let idx = ElementwiseGradients.broadcastIndices(cShape, to: [m, n])
            for i in 0..<dy.count { g.data[idx[i]] += beta * dy.data[i] }
            dc = g
        }
        return (da, db, dc)
    }
}
