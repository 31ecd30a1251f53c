/// QuantizeLinear / DequantizeLinear for int8, as ONNX Runtime computes them:
/// quantize `sat(round_half_even(x / scale) + zp)` with the division in float32, dequantize
/// `Float(q − zp) · scale`.
public enum Int8Quantize {
    @inlinable @inline(__always)
    public static func quantize(_ x: Float, scale: Float, zeroPoint: Int32) -> Int8 {
        // Clamping before rounding gives the same result (the bounds are integers) and keeps
        // |v| ≤ 255, where adding 1.5·2²³ rounds half to even without SSE4.1's `roundss`
        // (the baseline x86-64 target would call `rintf` per value). NaN quantizes to the zero point.
        var v = x / scale
        if v.isNaN { v = 0 }
        let low = Float(-128 - zeroPoint), high = Float(127 - zeroPoint)
        v = v < low ? low : v
        v = v > high ? high : v
        let rounded = Int32(bitPattern: (v + 12_582_912.0).bitPattern) &- 0x4B40_0000
        return Int8(truncatingIfNeeded: rounded &+ zeroPoint)
    }

    @inlinable @inline(__always)
    public static func dequantize(_ q: Int8, scale: Float, zeroPoint: Int32) -> Float {
        Float(Int32(q) - zeroPoint) * scale
    }

    /// Quantizes `count` values; `scales`/`zeroPoints` have one entry (per-tensor) or one per
    /// slice of `inner` elements along a channel axis (per-axis).
    public static func quantize(_ x: UnsafePointer<Float>, count: Int, scales: [Float], zeroPoints: [Int32],
                                inner: Int = 1, into q: UnsafeMutablePointer<Int8>) {
        if scales.count == 1 {
            let s = scales[0], z = zeroPoints.first ?? 0
            for i in 0..<count { q[i] = quantize(x[i], scale: s, zeroPoint: z) }
        } else {
            let channels = scales.count
            for i in 0..<count {
                let c = (i / inner) % channels
                q[i] = quantize(x[i], scale: scales[c], zeroPoint: zeroPoints.isEmpty ? 0 : zeroPoints[c])
            }
        }
    }

    /// Dequantizes `count` values (per-tensor or per-axis as in ``quantize(_:count:scales:zeroPoints:inner:into:)``).
    public static func dequantize(_ q: UnsafePointer<Int8>, count: Int, scales: [Float], zeroPoints: [Int32],
                                  inner: Int = 1, into x: UnsafeMutablePointer<Float>) {
        if scales.count == 1 {
            let s = scales[0], z = zeroPoints.first ?? 0
            for i in 0..<count { x[i] = dequantize(q[i], scale: s, zeroPoint: z) }
        } else {
            let channels = scales.count
            for i in 0..<count {
                let c = (i / inner) % channels
                x[i] = dequantize(q[i], scale: scales[c], zeroPoint: zeroPoints.isEmpty ? 0 : zeroPoints[c])
            }
        }
    }
}
