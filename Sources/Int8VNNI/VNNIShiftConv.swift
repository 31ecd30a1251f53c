// AVX-512 VNNI direct ("shifted-row") int8 convolution: the int8 twin of FP32AVX512's
// ShiftGEMM. The input is laid out once per layer as a padded volume of channel quads
// (`[Cin/4][Dp][Hp][Wp][4 bytes]`, unsigned: x + 128), so every row of the vol2col matrix is that
// volume shifted by one tap, and `vpdpbusd` reads it in place: no vol2col, no panel packing, no
// Int32 tile in memory. Kernels (Int8DirectConvolution) calls it only after its CPU check.
import Int8Runtime
import Swift

/// Output positions per micro-tile: three 16-lane vectors.
public let rppgVNNIShiftColumns = 48

/// Interleaves four int8 rows of `count` values into quads of unsigned bytes (`x ^ 0x80`):
/// `dst[4i + t] = rows[t][i] + 128`. Pass the same row more than once where a quad has fewer
/// than four channels (their weights are zero).
public func rppgVNNIInterleaveRows(
    _ r0: UnsafePointer<Int8>, _ r1: UnsafePointer<Int8>, _ r2: UnsafePointer<Int8>, _ r3: UnsafePointer<Int8>,
    _ count: Int, _ dst: UnsafeMutableRawPointer
) {
    let k8 = unsafeBitCast(SIMD16<UInt32>(repeating: 8), to: Builtin.Vec16xInt32.self)
    let k16 = unsafeBitCast(SIMD16<UInt32>(repeating: 16), to: Builtin.Vec16xInt32.self)
    let k24 = unsafeBitCast(SIMD16<UInt32>(repeating: 24), to: Builtin.Vec16xInt32.self)
    let flip = unsafeBitCast(SIMD16<UInt32>(repeating: 0x8080_8080), to: Builtin.Vec16xInt32.self)
    @inline(__always) func widen(_ p: UnsafePointer<Int8>) -> Builtin.Vec16xInt32 {
        Builtin.zext_Vec16xInt8_Vec16xInt32(
            unsafeBitCast(UnsafeRawPointer(p).loadUnaligned(as: SIMD16<UInt8>.self), to: Builtin.Vec16xInt8.self))
    }
    var i = 0
    while i &+ 16 <= count {
        var v = Builtin.or_Vec16xInt32(widen(r0 + i), Builtin.shl_Vec16xInt32(widen(r1 + i), k8))
        v = Builtin.or_Vec16xInt32(v, Builtin.shl_Vec16xInt32(widen(r2 + i), k16))
        v = Builtin.or_Vec16xInt32(v, Builtin.shl_Vec16xInt32(widen(r3 + i), k24))
        (dst + 4 &* i).storeBytes(of: unsafeBitCast(Builtin.xor_Vec16xInt32(v, flip), to: SIMD16<UInt32>.self),
                                  as: SIMD16<UInt32>.self)
        i &+= 16
    }
    while i < count {
        let q = dst + 4 &* i
        q.storeBytes(of: UInt8(bitPattern: r0[i]) ^ 0x80, as: UInt8.self)
        q.storeBytes(of: UInt8(bitPattern: r1[i]) ^ 0x80, toByteOffset: 1, as: UInt8.self)
        q.storeBytes(of: UInt8(bitPattern: r2[i]) ^ 0x80, toByteOffset: 2, as: UInt8.self)
        q.storeBytes(of: UInt8(bitPattern: r3[i]) ^ 0x80, toByteOffset: 3, as: UInt8.self)
        i &+= 1
    }
}

/// `y[c][z0 + z][y][x] = requantize(Σ_kk w[kk][c] · x[v + offsets[kk]])` for one work item.
///
/// - `w`: `panels` panels `[k4][8 rows][4 bytes]` (signed weights, zero padded past `rows`).
/// - `offsets`: `k4` byte offsets into `x`, one per (channel quad, tap).
/// - `x`: the quad volume at the item's first depth slice; reads `chunks·192 + max(offsets)` bytes.
/// - `y`: output of channel 0 at the item's first slice; `rows` real output channels. `rq.bias`
///   holds the zero-point term `−(128 + xZeroPoint)·Σw` of each channel.
public func rppgVNNIShiftConv(
    _ w: UnsafeRawPointer, _ offsets: UnsafePointer<Int>, _ k4: Int, _ x: UnsafeRawPointer,
    _ panels: Int, _ rows: Int, _ geometry: Int8ShiftGeometry, _ rq: Int8ShiftRequantization,
    _ y: UnsafeMutablePointer<Int8>
) {
    Int8ShiftOutput.convolve(width: 48, tileRows: 8, panels: panels, rows: rows, x, geometry, rq, y) { panel, xc, tile in
        accumulate(w + panel &* k4 &* 32, offsets, k4, xc, tile)
    }
}

@inline(__always)
func load64(_ p: UnsafeRawPointer, _ offset: Int) -> SIMD16<Int32> {
    p.loadUnaligned(fromByteOffset: offset, as: SIMD16<Int32>.self)
}

/// The 8 × 48 accumulator tile of one panel: 24 zmm accumulators, three input vectors per tap
/// and channel quad, each weight quad broadcast from memory.
@inline(__always)
func accumulate(_ w: UnsafeRawPointer, _ offsets: UnsafePointer<Int>, _ k4: Int, _ x: UnsafeRawPointer,
                _ tile: UnsafeMutablePointer<Int32>) {
    let z = SIMD16<Int32>(repeating: 0)
    var c00 = z, c01 = z, c02 = z, c10 = z, c11 = z, c12 = z, c20 = z, c21 = z, c22 = z, c30 = z, c31 = z, c32 = z
    var c40 = z, c41 = z, c42 = z, c50 = z, c51 = z, c52 = z, c60 = z, c61 = z, c62 = z, c70 = z, c71 = z, c72 = z
    var pw = w
    var kk = 0
    while kk < k4 {
        let p = x + offsets[kk]
        let b0 = load64(p, 0), b1 = load64(p, 64), b2 = load64(p, 128)
        var q = SIMD16<Int32>(repeating: pw.loadUnaligned(as: Int32.self))
        c00 = dot(c00, b0, q); c01 = dot(c01, b1, q); c02 = dot(c02, b2, q)
        q = SIMD16<Int32>(repeating: pw.loadUnaligned(fromByteOffset: 4, as: Int32.self))
        c10 = dot(c10, b0, q); c11 = dot(c11, b1, q); c12 = dot(c12, b2, q)
        q = SIMD16<Int32>(repeating: pw.loadUnaligned(fromByteOffset: 8, as: Int32.self))
        c20 = dot(c20, b0, q); c21 = dot(c21, b1, q); c22 = dot(c22, b2, q)
        q = SIMD16<Int32>(repeating: pw.loadUnaligned(fromByteOffset: 12, as: Int32.self))
        c30 = dot(c30, b0, q); c31 = dot(c31, b1, q); c32 = dot(c32, b2, q)
        q = SIMD16<Int32>(repeating: pw.loadUnaligned(fromByteOffset: 16, as: Int32.self))
        c40 = dot(c40, b0, q); c41 = dot(c41, b1, q); c42 = dot(c42, b2, q)
        q = SIMD16<Int32>(repeating: pw.loadUnaligned(fromByteOffset: 20, as: Int32.self))
        c50 = dot(c50, b0, q); c51 = dot(c51, b1, q); c52 = dot(c52, b2, q)
        q = SIMD16<Int32>(repeating: pw.loadUnaligned(fromByteOffset: 24, as: Int32.self))
        c60 = dot(c60, b0, q); c61 = dot(c61, b1, q); c62 = dot(c62, b2, q)
        q = SIMD16<Int32>(repeating: pw.loadUnaligned(fromByteOffset: 28, as: Int32.self))
        c70 = dot(c70, b0, q); c71 = dot(c71, b1, q); c72 = dot(c72, b2, q)
        pw += 32
        kk &+= 1
    }
    let raw = UnsafeMutableRawPointer(tile)
    @inline(__always) func put(_ r: Int, _ a: SIMD16<Int32>, _ b: SIMD16<Int32>, _ c: SIMD16<Int32>) {
        raw.storeBytes(of: a, toByteOffset: r &* 192, as: SIMD16<Int32>.self)
        raw.storeBytes(of: b, toByteOffset: r &* 192 &+ 64, as: SIMD16<Int32>.self)
        raw.storeBytes(of: c, toByteOffset: r &* 192 &+ 128, as: SIMD16<Int32>.self)
    }
    put(0, c00, c01, c02); put(1, c10, c11, c12); put(2, c20, c21, c22); put(3, c30, c31, c32)
    put(4, c40, c41, c42); put(5, c50, c51, c52); put(6, c60, c61, c62); put(7, c70, c71, c72)
}
