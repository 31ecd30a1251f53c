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

/// Geometry of one work item of the direct convolution: `planes` output depth slices starting at
/// the volume's slice `x` points to; virtual column `v = (z·Hp + y)·Wp + x` is output `(z, y, x)`
/// when `y < oh` and `x < ow`, junk otherwise.
public struct RPPGVNNIShiftGeometry {
    public var planes: Int, paddedPlane: Int, paddedW: Int, oh: Int, ow: Int
    /// Output elements between two channels (`od·oh·ow`).
    public var channelStride: Int
    public init(planes: Int, paddedPlane: Int, paddedW: Int, oh: Int, ow: Int, channelStride: Int) {
        (self.planes, self.paddedPlane, self.paddedW, self.oh, self.ow) = (planes, paddedPlane, paddedW, oh, ow)
        self.channelStride = channelStride
    }
    /// Virtual columns the item computes, rounded up to whole micro-tiles.
    public var chunks: Int {
        ((planes &- 1) &* paddedPlane &+ (oh &- 1) &* paddedW &+ ow &+ 47) / 48
    }
}

/// Per-channel requantization of the kernel's output (``Int8Math/requantize``): `bias` already
/// holds the zero-point term `−(128 + xZeroPoint)·Σw` of each channel.
public struct RPPGVNNIRequantization {
    public var bias: UnsafePointer<Int32>, multipliers: UnsafePointer<Float>
    public var low: Float, high: Float, zeroPoint: Int32
    public init(bias: UnsafePointer<Int32>, multipliers: UnsafePointer<Float>, low: Float, high: Float, zeroPoint: Int32) {
        (self.bias, self.multipliers, self.low, self.high, self.zeroPoint) = (bias, multipliers, low, high, zeroPoint)
    }
}

@inline(__always)
func load64(_ p: UnsafeRawPointer, _ offset: Int) -> SIMD16<Int32> {
    p.loadUnaligned(fromByteOffset: offset, as: SIMD16<Int32>.self)
}

/// `y[c][z0 + z][y][x] = requantize(Σ_kk w[kk][c] · x[v + offsets[kk]])` for one work item.
///
/// - `w`: `panels` panels `[k4][8 rows][4 bytes]` (signed weights, zero padded past `rows`).
/// - `offsets`: `k4` byte offsets into `x`, one per (channel quad, tap).
/// - `x`: the quad volume at the item's first depth slice; reads `chunks·192 + max(offsets)` bytes.
/// - `y`: output of channel 0 at the item's first slice; `rows` real output channels.
public func rppgVNNIShiftConv(
    _ w: UnsafeRawPointer, _ offsets: UnsafePointer<Int>, _ k4: Int, _ x: UnsafeRawPointer,
    _ panels: Int, _ rows: Int, _ geometry: RPPGVNNIShiftGeometry, _ rq: RPPGVNNIRequantization,
    _ y: UnsafeMutablePointer<Int8>
) {
    let g = geometry
    let chunks = g.chunks
    let outPlane = g.oh &* g.ow
    withUnsafeTemporaryAllocation(byteCount: 8 * 48 * 4 + 64 + 4 * 48 * 8, alignment: 64) { scratch in
        let tile = scratch.baseAddress!.bindMemory(to: Int32.self, capacity: 8 * 48)
        let bytes = (scratch.baseAddress! + 8 * 48 * 4).bindMemory(to: Int8.self, capacity: 64)
        // Valid runs of the chunk: start column, length, output offset, and whether a 16-byte
        // over-store past the run's end could leave its depth slice (then it is copied exactly).
        let runs = (scratch.baseAddress! + 8 * 48 * 4 + 64).bindMemory(to: Int.self, capacity: 4 * 48)
        var chunk = 0
        while chunk < chunks {
            let v0 = chunk &* 48
            var runCount = 0
            var v = v0
            while v < v0 &+ 48 {
                let p = v / g.paddedPlane
                if p >= g.planes { break }
                let rem = v &- p &* g.paddedPlane
                let row = rem / g.paddedW, col = rem &- row &* g.paddedW
                if row >= g.oh { v = (p &+ 1) &* g.paddedPlane; continue }
                if col >= g.ow { v &+= g.paddedW &- col; continue }
                let length = min(g.ow &- col, v0 &+ 48 &- v)
                let out = p &* outPlane &+ row &* g.ow &+ col
                let padded = (length &+ 15) & ~15
                runs[4 &* runCount] = v &- v0
                runs[4 &* runCount &+ 1] = length
                runs[4 &* runCount &+ 2] = out
                runs[4 &* runCount &+ 3] = out &+ padded > (p &+ 1) &* outPlane ? 1 : 0
                runCount &+= 1
                v &+= length
            }
            let xc = x + v0 &* 4
            var panel = 0
            while panel < panels {
                accumulate(w + panel &* k4 &* 32, offsets, k4, xc, tile)
                let channels = min(8, rows &- panel &* 8)
                var r = 0
                while r < channels {
                    let c = panel &* 8 &+ r
                    let b = rq.bias[c], m = rq.multipliers[c]
                    let acc = tile + r &* 48
                    var j = 0
                    while j < 48 {
                        bytes[j] = Int8Math.requantize(acc[j] &+ b, multiplier: m, low: rq.low, high: rq.high,
                                                       zeroPoint: rq.zeroPoint)
                        j &+= 1
                    }
                    let dst = y + c &* g.channelStride
                    var q = 0
                    while q < runCount {
                        copyRun(bytes + runs[4 &* q], runs[4 &* q &+ 1], dst + runs[4 &* q &+ 2], exact: runs[4 &* q &+ 3] != 0)
                        q &+= 1
                    }
                    r &+= 1
                }
                panel &+= 1
            }
            chunk &+= 1
        }
    }
}

/// Copies a run of requantized bytes. Runs of one slice are adjacent in the output, so a 16-byte
/// store past a run's end is overwritten by the next run; the last run of a slice is exact.
@inline(__always)
func copyRun(_ src: UnsafePointer<Int8>, _ length: Int, _ dst: UnsafeMutablePointer<Int8>, exact: Bool) {
    let s = UnsafeRawPointer(src), d = UnsafeMutableRawPointer(dst)
    if !exact || length >= 16 {
        var i = 0
        while i &+ 16 <= length || (!exact && i < length) {
            d.storeBytes(of: s.loadUnaligned(fromByteOffset: i, as: SIMD16<UInt8>.self), toByteOffset: i, as: SIMD16<UInt8>.self)
            i &+= 16
        }
        if exact && i < length {
            let t = length &- 16
            d.storeBytes(of: s.loadUnaligned(fromByteOffset: t, as: SIMD16<UInt8>.self), toByteOffset: t, as: SIMD16<UInt8>.self)
        }
        return
    }
    var i = 0
    while i < length { dst[i] = src[i]; i &+= 1 }
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
