// AVX2 direct ("shifted-row") int8 convolution: the same scheme as Int8VNNI's VNNIShiftConv on
// int16 pairs through `vpmaddwd` (exact, like this module's GEMM: no `vpmaddubsw` saturation).
// The input is laid out once per layer as a padded volume of channel pairs
// `[Cin/2][Dp][Hp][Wp][2 × Int16]` holding `x − zp` (so padding is 0 and the sums need no
// zero-point term). Kernels (Int8DirectConvolution) calls it only after its CPU check.
import Int8Runtime
import Swift

/// Output positions per micro-tile: two 8-lane vectors (with three, 12 accumulators, the
/// inputs, the broadcast and `vpmaddwd`'s product need 17 of the 16 ymm registers and spill).
public let rppgAVX2ShiftColumns = 16

/// Interleaves two int8 rows into int16 pairs: `dst[2i + t] = rows[t][i] − zeroPoint`. Pass the
/// same row twice where a pair has one channel (its weights are zero).
public func rppgAVX2InterleavePairs(
    _ r0: UnsafePointer<Int8>, _ r1: UnsafePointer<Int8>, _ count: Int, _ zeroPoint: Int32,
    _ dst: UnsafeMutablePointer<Int16>
) {
    let z = Int16(truncatingIfNeeded: zeroPoint)
    var i = 0
    while i < count {
        dst[2 &* i] = Int16(r0[i]) &- z
        dst[2 &* i &+ 1] = Int16(r1[i]) &- z
        i &+= 1
    }
}

/// `y[c][z0 + z][y][x] = requantize(Σ_kk w[kk][c] · x[v + offsets[kk]])` for one work item.
///
/// - `w`: `panels` panels `[k2][4 rows][2 × Int16]` (zero padded past `rows`).
/// - `offsets`: `k2` byte offsets into `x`, one per (channel pair, tap).
/// - `x`: the pair volume at the item's first depth slice; `y`: channel 0 at that slice.
public func rppgAVX2ShiftConv(
    _ w: UnsafeRawPointer, _ offsets: UnsafePointer<Int>, _ k2: Int, _ x: UnsafeRawPointer,
    _ panels: Int, _ rows: Int, _ geometry: Int8ShiftGeometry, _ rq: Int8ShiftRequantization,
    _ y: UnsafeMutablePointer<Int8>
) {
    Int8ShiftOutput.convolve(width: 16, tileRows: 4, panels: panels, rows: rows, x, geometry, rq, y) { panel, xc, tile in
        accumulatePairs(w + panel &* k2 &* 16, offsets, k2, xc, tile)
    }
}

/// The 4 × 16 accumulator tile of one panel: 8 ymm accumulators, two input vectors per tap and
/// channel pair, each weight pair broadcast.
@inline(__always)
func accumulatePairs(_ w: UnsafeRawPointer, _ offsets: UnsafePointer<Int>, _ k2: Int, _ x: UnsafeRawPointer,
                     _ tile: UnsafeMutablePointer<Int32>) {
    let z = SIMD8<Int32>(repeating: 0)
    var c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z
    var pw = w
    var kk = 0
    while kk < k2 {
        let p = x + offsets[kk]
        let b0 = p.loadUnaligned(as: SIMD8<Int32>.self)
        let b1 = p.loadUnaligned(fromByteOffset: 32, as: SIMD8<Int32>.self)
        var q = SIMD8<Int32>(repeating: pw.loadUnaligned(as: Int32.self))
        c00 = madd(c00, b0, q); c01 = madd(c01, b1, q)
        q = SIMD8<Int32>(repeating: pw.loadUnaligned(fromByteOffset: 4, as: Int32.self))
        c10 = madd(c10, b0, q); c11 = madd(c11, b1, q)
        q = SIMD8<Int32>(repeating: pw.loadUnaligned(fromByteOffset: 8, as: Int32.self))
        c20 = madd(c20, b0, q); c21 = madd(c21, b1, q)
        q = SIMD8<Int32>(repeating: pw.loadUnaligned(fromByteOffset: 12, as: Int32.self))
        c30 = madd(c30, b0, q); c31 = madd(c31, b1, q)
        pw += 16
        kk &+= 1
    }
    let raw = UnsafeMutableRawPointer(tile)
    @inline(__always) func put(_ r: Int, _ a: SIMD8<Int32>, _ b: SIMD8<Int32>) {
        raw.storeBytes(of: a, toByteOffset: r &* 64, as: SIMD8<Int32>.self)
        raw.storeBytes(of: b, toByteOffset: r &* 64 &+ 32, as: SIMD8<Int32>.self)
    }
    put(0, c00, c01); put(1, c10, c11); put(2, c20, c21); put(3, c30, c31)
}
