// AVX2 + FMA twin of the FP32AVX512 micro-kernel, for CPUs without AVX-512 (16 ymm registers:
// 4 rows × 24 columns of accumulators). Compiled with `-parse-stdlib -target-cpu haswell`;
// Kernels calls it only after its CPU check has confirmed AVX2 and FMA.
import Swift

/// Output channels per micro-tile.
public let rppgFP32AVX2RowsPerTile = 4
/// Output positions per micro-tile: three 8-lane vectors.
public let rppgFP32AVX2ColumnsPerTile = 24

@inline(__always)
func fma(_ a: SIMD8<Float>, _ b: SIMD8<Float>, _ c: SIMD8<Float>) -> SIMD8<Float> {
    unsafeBitCast(
        Builtin.int_fma_Vec8xFPIEEE32(
            unsafeBitCast(a, to: Builtin.Vec8xFPIEEE32.self), unsafeBitCast(b, to: Builtin.Vec8xFPIEEE32.self),
            unsafeBitCast(c, to: Builtin.Vec8xFPIEEE32.self)),
        to: SIMD8<Float>.self)
}

@inline(__always)
func max0(_ a: SIMD8<Float>) -> SIMD8<Float> {
    // vmaxps(0, a) returns its second operand for NaN, like Swift's `max(a, 0)` (the ReLU twin).
    unsafeBitCast(
        Builtin.int_x86_avx_max_ps_256(
            unsafeBitCast(SIMD8<Float>(repeating: 0), to: Builtin.Vec8xFPIEEE32.self),
            unsafeBitCast(a, to: Builtin.Vec8xFPIEEE32.self)),
        to: SIMD8<Float>.self)
}

@inline(__always)
func store(_ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ r: Int, _ a: SIMD8<Float>, _ b: SIMD8<Float>, _ d: SIMD8<Float>) {
    let offset: Int = r &* ldc
    let raw = UnsafeMutableRawPointer(c.advanced(by: offset))
    raw.storeBytes(of: a, as: SIMD8<Float>.self)
    raw.storeBytes(of: b, toByteOffset: 32, as: SIMD8<Float>.self)
    raw.storeBytes(of: d, toByteOffset: 64, as: SIMD8<Float>.self)
}

/// `c[r][n] = bias[r] + Σ_k w[k][r] · x[n + offsets[k]]` (then ReLU when `relu`): the same
/// contract as `rppgFP32ShiftGEMM`, with panels of 4 rows and tiles of 24 columns.
public func rppgFP32AVX2ShiftGEMM(
    _ w: UnsafePointer<Float>, _ offsets: UnsafePointer<Int>, _ k: Int, _ x: UnsafePointer<Float>,
    _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ chunks: Int, _ panels: Int,
    _ bias: UnsafePointer<Float>?, _ relu: Bool
) {
    let zero = SIMD8<Float>(repeating: 0)
    var chunk = 0
    while chunk < chunks {
        let column: Int = chunk &* 24
        let xc = x + column
        var panel = 0
        while panel < panels {
            let wOffset: Int = panel &* k &* 4
            var pw = w + wOffset
            let rowBias: Int = panel &* 4
            let z0 = bias.map { SIMD8<Float>(repeating: $0[rowBias &+ 0]) } ?? zero
            var c00 = z0, c01 = z0, c02 = z0
            let z1 = bias.map { SIMD8<Float>(repeating: $0[rowBias &+ 1]) } ?? zero
            var c10 = z1, c11 = z1, c12 = z1
            let z2 = bias.map { SIMD8<Float>(repeating: $0[rowBias &+ 2]) } ?? zero
            var c20 = z2, c21 = z2, c22 = z2
            let z3 = bias.map { SIMD8<Float>(repeating: $0[rowBias &+ 3]) } ?? zero
            var c30 = z3, c31 = z3, c32 = z3
            var kk = 0
            while kk < k {
                let p = UnsafeRawPointer(xc + offsets[kk])
                let b0 = p.loadUnaligned(as: SIMD8<Float>.self)
                let b1 = p.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
                let b2 = p.loadUnaligned(fromByteOffset: 64, as: SIMD8<Float>.self)
                let w0 = SIMD8<Float>(repeating: pw[0])
                c00 = fma(w0, b0, c00); c01 = fma(w0, b1, c01); c02 = fma(w0, b2, c02)
                let w1 = SIMD8<Float>(repeating: pw[1])
                c10 = fma(w1, b0, c10); c11 = fma(w1, b1, c11); c12 = fma(w1, b2, c12)
                let w2 = SIMD8<Float>(repeating: pw[2])
                c20 = fma(w2, b0, c20); c21 = fma(w2, b1, c21); c22 = fma(w2, b2, c22)
                let w3 = SIMD8<Float>(repeating: pw[3])
                c30 = fma(w3, b0, c30); c31 = fma(w3, b1, c31); c32 = fma(w3, b2, c32)
                pw += 4
                kk &+= 1
            }
            let rowOffset: Int = panel &* 4 &* ldc
            let pc = c + rowOffset + column
            if relu {
                store(pc, ldc, 0, max0(c00), max0(c01), max0(c02))
                store(pc, ldc, 1, max0(c10), max0(c11), max0(c12))
                store(pc, ldc, 2, max0(c20), max0(c21), max0(c22))
                store(pc, ldc, 3, max0(c30), max0(c31), max0(c32))
            } else {
                store(pc, ldc, 0, c00, c01, c02)
                store(pc, ldc, 1, c10, c11, c12)
                store(pc, ldc, 2, c20, c21, c22)
                store(pc, ldc, 3, c30, c31, c32)
            }
            panel &+= 1
        }
        chunk &+= 1
    }
}
