// AVX-512 FP32 micro-kernel for direct ("shifted-row") convolution. Compiled with
// `-parse-stdlib` (for the `Builtin` FMA intrinsic) and `-target-cpu skylake-avx512`; Kernels
// calls it only after its CPU check has confirmed AVX-512 (FP32DirectConv.path).
import Swift

/// Output channels per micro-tile.
public let rppgFP32RowsPerTile = 8
/// Output positions per micro-tile: three 16-lane vectors.
public let rppgFP32ColumnsPerTile = 48

@inline(__always)
func fma(_ a: SIMD16<Float>, _ b: SIMD16<Float>, _ c: SIMD16<Float>) -> SIMD16<Float> {
    unsafeBitCast(
        Builtin.int_fma_Vec16xFPIEEE32(
            unsafeBitCast(a, to: Builtin.Vec16xFPIEEE32.self), unsafeBitCast(b, to: Builtin.Vec16xFPIEEE32.self),
            unsafeBitCast(c, to: Builtin.Vec16xFPIEEE32.self)),
        to: SIMD16<Float>.self)
}

@inline(__always)
func max0(_ a: SIMD16<Float>) -> SIMD16<Float> {
    // vmaxps(0, a) returns its second operand for NaN, like Swift's `max(a, 0)` (the ReLU twin).
    unsafeBitCast(
        Builtin.int_x86_avx512_max_ps_512(
            unsafeBitCast(SIMD16<Float>(repeating: 0), to: Builtin.Vec16xFPIEEE32.self),
            unsafeBitCast(a, to: Builtin.Vec16xFPIEEE32.self), Int32(4)._value),
        to: SIMD16<Float>.self)
}

@inline(__always)
func store(_ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ r: Int, _ a: SIMD16<Float>, _ b: SIMD16<Float>, _ d: SIMD16<Float>) {
    let offset: Int = r &* ldc
    let raw = UnsafeMutableRawPointer(c.advanced(by: offset))
    raw.storeBytes(of: a, as: SIMD16<Float>.self)
    raw.storeBytes(of: b, toByteOffset: 64, as: SIMD16<Float>.self)
    raw.storeBytes(of: d, toByteOffset: 128, as: SIMD16<Float>.self)
}

/// `c[r][n] = Σ_k w[k][r] · x[n + offsets[k]]`: a GEMM whose B matrix is never built, because
/// every row of it is the (zero-padded) input shifted by one kernel tap's offset.
///
/// - `w`: `panels` panels `[k][8 rows]`, one after another (`k·8` floats each).
/// - `offsets`: `k` element offsets into `x`, one per (input channel, tap).
/// - `c`: `panels·8` rows × `chunks·48` columns at stride `ldc`. Reads `x[0 ..< chunks·48 + max(offsets)]`.
/// - `bias`: `panels·8` values added to the rows (or nil); `relu`: clamp the sums at 0 before storing.
public func rppgFP32ShiftGEMM(
    _ w: UnsafePointer<Float>, _ offsets: UnsafePointer<Int>, _ k: Int, _ x: UnsafePointer<Float>,
    _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ chunks: Int, _ panels: Int,
    _ bias: UnsafePointer<Float>?, _ relu: Bool
) {
    let zero = SIMD16<Float>(repeating: 0)
    var chunk = 0
    while chunk < chunks {
        let column: Int = chunk &* 48
        let xc = x + column
        var panel = 0
        while panel < panels {
            let wOffset: Int = panel &* k &* 8
            var pw = w + wOffset
            let rowBias: Int = panel &* 8
            let z0 = bias.map { SIMD16<Float>(repeating: $0[rowBias &+ 0]) } ?? zero
            var c00 = z0, c01 = z0, c02 = z0
            let z1 = bias.map { SIMD16<Float>(repeating: $0[rowBias &+ 1]) } ?? zero
            var c10 = z1, c11 = z1, c12 = z1
            let z2 = bias.map { SIMD16<Float>(repeating: $0[rowBias &+ 2]) } ?? zero
            var c20 = z2, c21 = z2, c22 = z2
            let z3 = bias.map { SIMD16<Float>(repeating: $0[rowBias &+ 3]) } ?? zero
            var c30 = z3, c31 = z3, c32 = z3
            let z4 = bias.map { SIMD16<Float>(repeating: $0[rowBias &+ 4]) } ?? zero
            var c40 = z4, c41 = z4, c42 = z4
            let z5 = bias.map { SIMD16<Float>(repeating: $0[rowBias &+ 5]) } ?? zero
            var c50 = z5, c51 = z5, c52 = z5
            let z6 = bias.map { SIMD16<Float>(repeating: $0[rowBias &+ 6]) } ?? zero
            var c60 = z6, c61 = z6, c62 = z6
            let z7 = bias.map { SIMD16<Float>(repeating: $0[rowBias &+ 7]) } ?? zero
            var c70 = z7, c71 = z7, c72 = z7
            var kk = 0
            while kk < k {
                let p = UnsafeRawPointer(xc + offsets[kk])
                let b0 = p.loadUnaligned(as: SIMD16<Float>.self)
                let b1 = p.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self)
                let b2 = p.loadUnaligned(fromByteOffset: 128, as: SIMD16<Float>.self)
                let w0 = SIMD16<Float>(repeating: pw[0])
                c00 = fma(w0, b0, c00); c01 = fma(w0, b1, c01); c02 = fma(w0, b2, c02)
                let w1 = SIMD16<Float>(repeating: pw[1])
                c10 = fma(w1, b0, c10); c11 = fma(w1, b1, c11); c12 = fma(w1, b2, c12)
                let w2 = SIMD16<Float>(repeating: pw[2])
                c20 = fma(w2, b0, c20); c21 = fma(w2, b1, c21); c22 = fma(w2, b2, c22)
                let w3 = SIMD16<Float>(repeating: pw[3])
                c30 = fma(w3, b0, c30); c31 = fma(w3, b1, c31); c32 = fma(w3, b2, c32)
                let w4 = SIMD16<Float>(repeating: pw[4])
                c40 = fma(w4, b0, c40); c41 = fma(w4, b1, c41); c42 = fma(w4, b2, c42)
                let w5 = SIMD16<Float>(repeating: pw[5])
                c50 = fma(w5, b0, c50); c51 = fma(w5, b1, c51); c52 = fma(w5, b2, c52)
                let w6 = SIMD16<Float>(repeating: pw[6])
                c60 = fma(w6, b0, c60); c61 = fma(w6, b1, c61); c62 = fma(w6, b2, c62)
                let w7 = SIMD16<Float>(repeating: pw[7])
                c70 = fma(w7, b0, c70); c71 = fma(w7, b1, c71); c72 = fma(w7, b2, c72)
                pw += 8
                kk &+= 1
            }
            let rowOffset: Int = panel &* 8 &* ldc
            let pc = c + rowOffset + column
            if relu {
                store(pc, ldc, 0, max0(c00), max0(c01), max0(c02))
                store(pc, ldc, 1, max0(c10), max0(c11), max0(c12))
                store(pc, ldc, 2, max0(c20), max0(c21), max0(c22))
                store(pc, ldc, 3, max0(c30), max0(c31), max0(c32))
                store(pc, ldc, 4, max0(c40), max0(c41), max0(c42))
                store(pc, ldc, 5, max0(c50), max0(c51), max0(c52))
                store(pc, ldc, 6, max0(c60), max0(c61), max0(c62))
                store(pc, ldc, 7, max0(c70), max0(c71), max0(c72))
            } else {
                store(pc, ldc, 0, c00, c01, c02)
                store(pc, ldc, 1, c10, c11, c12)
                store(pc, ldc, 2, c20, c21, c22)
                store(pc, ldc, 3, c30, c31, c32)
                store(pc, ldc, 4, c40, c41, c42)
                store(pc, ldc, 5, c50, c51, c52)
                store(pc, ldc, 6, c60, c61, c62)
                store(pc, ldc, 7, c70, c71, c72)
            }
            panel &+= 1
        }
        chunk &+= 1
    }
}

/// Copies `rows` rows of `count` floats from stride `sourceStride` to stride `count` (the valid
/// columns of a micro-kernel tile into a dense output plane).
public func rppgFP32CopyRows(
    _ source: UnsafePointer<Float>, _ sourceStride: Int, _ destination: UnsafeMutablePointer<Float>,
    _ count: Int, _ rows: Int
) {
    var r = 0
    while r < rows {
        let s0: Int = r &* sourceStride, d0: Int = r &* count
        let src = source + s0, dst = destination + d0
        var i = 0
        while i &+ 16 <= count {
            UnsafeMutableRawPointer(dst + i).storeBytes(
                of: UnsafeRawPointer(src + i).loadUnaligned(as: SIMD16<Float>.self), as: SIMD16<Float>.self)
            i &+= 16
        }
        while i < count {
            dst[i] = src[i]
            i &+= 1
        }
        r &+= 1
    }
}

/// Peak probe for the benchmark: `iterations` rounds of 12 independent 512-bit FMAs (16 floats),
/// the instruction the micro-kernel above issues. Returns a checksum so the loop is kept.
public func rppgFP32FMA512PeakLoop(_ iterations: Int) -> Float {
    var a0 = SIMD16<Float>(repeating: 1), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0
    var a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0
    let m = SIMD16<Float>(repeating: 0.999999), add = SIMD16<Float>(repeating: 1e-7)
    var i = 0
    while i < iterations {
        a0 = fma(a0, m, add); a1 = fma(a1, m, add); a2 = fma(a2, m, add); a3 = fma(a3, m, add)
        a4 = fma(a4, m, add); a5 = fma(a5, m, add); a6 = fma(a6, m, add); a7 = fma(a7, m, add)
        a8 = fma(a8, m, add); a9 = fma(a9, m, add); a10 = fma(a10, m, add); a11 = fma(a11, m, add)
        i &+= 1
    }
    let s = ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)) + ((a8 + a9) + (a10 + a11))
    return s.sum()
}
