import Kernels
import TensorCore

/// MatMul for training (PhysFormer's attention products): the FP32 kernel forward; backward per
/// batch element dA += dY·Bᵀ and dB += Aᵀ·dY, summed where an operand's batch axes broadcast.
enum MatMulGradients {
    static func forward(_ a: Activation, _ b: Activation) throws -> Activation {
        guard let shape = FP32MatMul.shape(a.shape, b.shape) else {
            throw TrainingError.shapeMismatch("MatMul of \(a.shape) and \(b.shape)")
        }
        var y = Activation(overwriting: shape)
        a.data.withUnsafeBufferPointer { ap in
            b.data.withUnsafeBufferPointer { bp in
                y.data.withUnsafeMutableBufferPointer { FP32MatMul.run(ap.baseAddress!, a.shape, bp.baseAddress!, b.shape, $0.baseAddress!) }
            }
        }
        return y
    }

    static func backward(_ dy: Activation, _ a: Activation, _ b: Activation) -> (Activation, Activation) {
        var da = Activation(zeros: a.shape), db = Activation(zeros: b.shape)
        let shared = b.shape.count == 2
        let (m, k) = shared ? (a.shape.dropLast().reduce(1, *), a.shape.last!) : (a.shape[a.shape.count - 2], a.shape.last!)
        let n = b.shape.last!
        let offsets = shared ? [(a: 0, b: 0)] : FP32MatMul.batchOffsets(a.shape, b.shape)
        dy.data.withUnsafeBufferPointer { g in
            a.data.withUnsafeBufferPointer { ap in
                b.data.withUnsafeBufferPointer { bp in
                    da.data.withUnsafeMutableBufferPointer { dap in
                        db.data.withUnsafeMutableBufferPointer { dbp in
                            for (i, o) in offsets.enumerated() {
                                let gy = g.baseAddress! + i * m * n, x = ap.baseAddress! + o.a * m * k, w = bp.baseAddress! + o.b * k * n
                                BLAS.sgemm(transposeB: true, m: m, n: k, k: n, a: gy, lda: n, b: w, ldb: n, beta: 1,
                                           c: dap.baseAddress! + o.a * m * k, ldc: k)
                                BLAS.sgemm(transposeA: true, m: k, n: n, k: m, a: x, lda: k, b: gy, ldb: n, beta: 1,
                                           c: dbp.baseAddress! + o.b * k * n, ldc: n)
                            }
                        }
                    }
                }
            }
        }
        return (da, db)
    }
}
