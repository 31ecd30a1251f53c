import CBLAS

/// Thin wrappers over OpenBLAS, row-major, float32.
public enum BLAS {
    /// `C = alpha * op(A) * op(B) + beta * C`, row-major. `A` is m×k after `op`, `B` k×n, `C` m×n.
    @inlinable public static func sgemm(
        transposeA: Bool = false, transposeB: Bool = false,
        m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        cblas_sgemm(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
            blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }

    /// Number of threads OpenBLAS uses. Set to 1 where the caller parallelises itself, so that
    /// the two never oversubscribe the cores.
    public static var threadCount: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(max(1, newValue))) }
    }
}
