// AVX2 + FMA twin of FP32AVX512's rppgFP32ShiftCorrelation (weight gradient of a stride-1
// convolution): 4 rows × 3 taps of 8-lane accumulators fit the 16 ymm registers beside the three
// shifted-input vectors. Kernels calls it only after its CPU check (FP32DirectConv.path == .avx2).
import Swift

/// Output-gradient rows per micro-tile.
public let rppgFP32AVX2CorrelationRows = 4
/// Kernel taps per micro-tile.
public let rppgFP32AVX2CorrelationTaps = 3

@inline(__always)
func load(_ p: UnsafePointer<Float>, _ i: Int) -> SIMD8<Float> {
    UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self)
}

/// `c[r][t] += Σ_{m < length} a[r·lda + m] · x[offsets[t] + m]`, `panels·4` rows × `groups·3`
/// taps; the contract of `rppgFP32ShiftCorrelation` with `length` a multiple of 8.
public func rppgFP32AVX2ShiftCorrelation(
    _ a: UnsafePointer<Float>, _ lda: Int, _ panels: Int, _ x: UnsafePointer<Float>,
    _ offsets: UnsafePointer<Int>, _ groups: Int, _ length: Int,
    _ c: UnsafeMutablePointer<Float>, _ ldc: Int
) {
    var panel = 0
    while panel < panels {
        let a0 = a + panel &* 4 &* lda, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda
        var group = 0
        while group < groups {
            let o = offsets + group &* 3
            let x0 = x + o[0], x1 = x + o[1], x2 = x + o[2]
            let zero = SIMD8<Float>(repeating: 0)
            var c00 = zero, c01 = zero, c02 = zero, c10 = zero, c11 = zero, c12 = zero
            var c20 = zero, c21 = zero, c22 = zero, c30 = zero, c31 = zero, c32 = zero
            var m = 0
            while m < length {
                let b0 = load(x0, m), b1 = load(x1, m), b2 = load(x2, m)
                let r0 = load(a0, m)
                c00 = fma(r0, b0, c00); c01 = fma(r0, b1, c01); c02 = fma(r0, b2, c02)
                let r1 = load(a1, m)
                c10 = fma(r1, b0, c10); c11 = fma(r1, b1, c11); c12 = fma(r1, b2, c12)
                let r2 = load(a2, m)
                c20 = fma(r2, b0, c20); c21 = fma(r2, b1, c21); c22 = fma(r2, b2, c22)
                let r3 = load(a3, m)
                c30 = fma(r3, b0, c30); c31 = fma(r3, b1, c31); c32 = fma(r3, b2, c32)
                m &+= 8
            }
            let pc = c + (panel &* 4) &* ldc + group &* 3
            pc[0] += c00.sum(); pc[1] += c01.sum(); pc[2] += c02.sum()
            pc[ldc] += c10.sum(); pc[ldc &+ 1] += c11.sum(); pc[ldc &+ 2] += c12.sum()
            let r2c = 2 &* ldc, r3c = 3 &* ldc
            pc[r2c] += c20.sum(); pc[r2c &+ 1] += c21.sum(); pc[r2c &+ 2] += c22.sum()
            pc[r3c] += c30.sum(); pc[r3c &+ 1] += c31.sum(); pc[r3c &+ 2] += c32.sum()
            group &+= 1
        }
        panel &+= 1
    }
}
