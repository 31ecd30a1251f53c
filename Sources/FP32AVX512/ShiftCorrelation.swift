// AVX-512 micro-kernel for the weight gradient of a stride-1 convolution (a correlation), on
// the same zero-padded "shifted-row" layout as rppgFP32ShiftGEMM. Kernels calls it only after
// its CPU check (FP32DirectConv.path == .avx512).
import Swift

/// Output-gradient rows (output channels) per micro-tile.
public let rppgFP32CorrelationRows = 4
/// Kernel taps per micro-tile.
public let rppgFP32CorrelationTaps = 6

@inline(__always)
func load(_ p: UnsafePointer<Float>, _ i: Int) -> SIMD16<Float> {
    UnsafeRawPointer(p + i).loadUnaligned(as: SIMD16<Float>.self)
}

/// `c[r][t] += Σ_{m < length} a[r·lda + m] · x[offsets[t] + m]` for `panels·4` rows and
/// `groups·6` taps (`c` at stride `ldc`): the dot products of the output gradient's rows with
/// the padded input shifted by each tap. `length` is a multiple of 16; the caller zeroes the
/// `a` columns that are not output positions, so what `x` holds there does not matter.
public func rppgFP32ShiftCorrelation(
    _ a: UnsafePointer<Float>, _ lda: Int, _ panels: Int, _ x: UnsafePointer<Float>,
    _ offsets: UnsafePointer<Int>, _ groups: Int, _ length: Int,
    _ c: UnsafeMutablePointer<Float>, _ ldc: Int
) {
    var panel = 0
    while panel < panels {
        let a0 = a + panel &* 4 &* lda, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda
        var group = 0
        while group < groups {
            let o = offsets + group &* 6
            let x0 = x + o[0], x1 = x + o[1], x2 = x + o[2], x3 = x + o[3], x4 = x + o[4], x5 = x + o[5]
            let zero = SIMD16<Float>(repeating: 0)
            var c00 = zero, c01 = zero, c02 = zero, c03 = zero, c04 = zero, c05 = zero
            var c10 = zero, c11 = zero, c12 = zero, c13 = zero, c14 = zero, c15 = zero
            var c20 = zero, c21 = zero, c22 = zero, c23 = zero, c24 = zero, c25 = zero
            var c30 = zero, c31 = zero, c32 = zero, c33 = zero, c34 = zero, c35 = zero
            var m = 0
            while m < length {
                let b0 = load(x0, m), b1 = load(x1, m), b2 = load(x2, m)
                let b3 = load(x3, m), b4 = load(x4, m), b5 = load(x5, m)
                let r0 = load(a0, m)
                c00 = fma(r0, b0, c00); c01 = fma(r0, b1, c01); c02 = fma(r0, b2, c02)
                c03 = fma(r0, b3, c03); c04 = fma(r0, b4, c04); c05 = fma(r0, b5, c05)
                let r1 = load(a1, m)
                c10 = fma(r1, b0, c10); c11 = fma(r1, b1, c11); c12 = fma(r1, b2, c12)
                c13 = fma(r1, b3, c13); c14 = fma(r1, b4, c14); c15 = fma(r1, b5, c15)
                let r2 = load(a2, m)
                c20 = fma(r2, b0, c20); c21 = fma(r2, b1, c21); c22 = fma(r2, b2, c22)
                c23 = fma(r2, b3, c23); c24 = fma(r2, b4, c24); c25 = fma(r2, b5, c25)
                let r3 = load(a3, m)
                c30 = fma(r3, b0, c30); c31 = fma(r3, b1, c31); c32 = fma(r3, b2, c32)
                c33 = fma(r3, b3, c33); c34 = fma(r3, b4, c34); c35 = fma(r3, b5, c35)
                m &+= 16
            }
            let pc = c + (panel &* 4) &* ldc + group &* 6
            add(pc, c00, c01, c02, c03, c04, c05)
            add(pc + ldc, c10, c11, c12, c13, c14, c15)
            add(pc + 2 &* ldc, c20, c21, c22, c23, c24, c25)
            add(pc + 3 &* ldc, c30, c31, c32, c33, c34, c35)
            group &+= 1
        }
        panel &+= 1
    }
}

@inline(__always)
func add(_ c: UnsafeMutablePointer<Float>, _ v0: SIMD16<Float>, _ v1: SIMD16<Float>, _ v2: SIMD16<Float>,
         _ v3: SIMD16<Float>, _ v4: SIMD16<Float>, _ v5: SIMD16<Float>) {
    c[0] += v0.sum(); c[1] += v1.sum(); c[2] += v2.sum()
    c[3] += v3.sum(); c[4] += v4.sum(); c[5] += v5.sum()
}
