// Activation packing and requantization compiled for AVX2 (`-target-cpu haswell`), so that the
// compiler's vectoriser uses 256-bit byte interleaves, widening and float lanes. The VNNI path
// uses the requantization too (every AVX-512 VNNI CPU has AVX2).
import Swift
import Int8Runtime

/// Packs `rows` rows (row stride `ldx`) × `count` columns of `x` into AVX2 panels of int16 pairs.
/// Row pair `q` of panel `p` goes to `dst + p·panelStride + q·96`. A missing second row repeats
/// the last row (its weights are zero); columns past `count` in the last panel are zero.
public func rppgAVX2PackRows(
    _ x: UnsafePointer<Int8>, _ ldx: Int, _ rows: Int, _ count: Int,
    _ dst: UnsafeMutableRawPointer, _ panelStride: Int
) {
    let full = count / 24
    let groups = (rows + 1) / 2
    for q in 0..<groups {
        let r0 = x + 2 &* q &* ldx
        let r1 = x + min(2 &* q &+ 1, rows &- 1) &* ldx
        var out = (dst + q &* 96).assumingMemoryBound(to: Int16.self)
        let step = panelStride / 2
        var p = 0
        while p < full {
            let a = r0 + p &* 24, b = r1 + p &* 24
            for j in 0..<24 {
                out[2 &* j] = Int16(a[j])
                out[2 &* j &+ 1] = Int16(b[j])
            }
            out += step
            p &+= 1
        }
        let rest = count &- full &* 24
        if rest > 0 {
            let a = r0 + full &* 24, b = r1 + full &* 24
            for j in 0..<24 {
                out[2 &* j] = j < rest ? Int16(a[j]) : 0
                out[2 &* j &+ 1] = j < rest ? Int16(b[j]) : 0
            }
        }
    }
}

/// Requantizes `count` accumulators with ``Int8Math/requantize(_:multiplier:low:high:zeroPoint:)``
/// (inlined here, so that this module's AVX2 flags vectorise the loop).
public func rppgAVX2Requantize(
    _ acc: UnsafePointer<Int32>, _ count: Int, _ bias: Int32, _ multiplier: Float,
    _ low: Float, _ high: Float, _ zeroPoint: Int32, _ out: UnsafeMutablePointer<Int8>
) {
    var j = 0
    while j < count {
        out[j] = Int8Math.requantize(acc[j] &+ bias, multiplier: multiplier, low: low, high: high, zeroPoint: zeroPoint)
        j &+= 1
    }
}

/// `dst[i] = mask[i] == 0xFF ? src[i] : zero` for `count` bytes (vol2col's W-padding copy), as
/// 256-bit and/andn/or: the baseline build of the same loop moves 16 bytes at a time.
public func rppgAVX2MaskedCopy(
    _ src: UnsafePointer<Int8>, _ mask: UnsafePointer<UInt8>, _ zero: Int8, _ dst: UnsafeMutablePointer<Int8>, _ count: Int
) {
    let z = UInt8(bitPattern: zero)
    var i = 0
    while i < count {
        dst[i] = Int8(bitPattern: (UInt8(bitPattern: src[i]) & mask[i]) | (z & ~mask[i]))
        i &+= 1
    }
}

/// ``Int8Pool/averageRows(_:input:xScale:xZeroPoint:yScale:yZeroPoint:output:sums:)`` (inlined here,
/// so that this module's AVX2 flags vectorise it): the same float32 sums in the same order.
public func rppgAVX2AverageRows(
    _ g: Int8PoolGeometry, _ input: UnsafePointer<Int8>, _ xScale: Float, _ xZeroPoint: Int32, _ yScale: Float,
    _ yZeroPoint: Float, _ output: UnsafeMutablePointer<Int8>, _ sums: UnsafeMutablePointer<Float>
) {
    Int8Pool.averageRows(g, input: input, xScale: xScale, xZeroPoint: xZeroPoint, yScale: yScale, yZeroPoint: yZeroPoint,
                         output: output, sums: sums)
}

/// Quantizes `count` floats with ``Int8Math/quantize(_:scale:zeroPoint:)`` (inlined here, so that
/// this module's AVX2 flags vectorise the loop: 8 divisions per instruction instead of SSE2's 4).
public func rppgAVX2Quantize(
    _ x: UnsafePointer<Float>, _ count: Int, _ scale: Float, _ zeroPoint: Int32, _ q: UnsafeMutablePointer<Int8>
) {
    var i = 0
    while i < count {
        q[i] = Int8Math.quantize(x[i], scale: scale, zeroPoint: zeroPoint)
        i &+= 1
    }
}
