import Int8AVX2
import Int8Runtime

/// QuantizeLinear / DequantizeLinear for int8, as ONNX Runtime computes them:
/// quantize `sat(round_half_even(x / scale) + zp)` with the division in float32, dequantize
/// `Float(q − zp) · scale`.
public enum Int8Quantize {
    /// ``Int8Math/quantize(_:scale:zeroPoint:)`` (NaN quantizes to the zero point).
    @inlinable @inline(__always)
    public static func quantize(_ x: Float, scale: Float, zeroPoint: Int32) -> Int8 {
        Int8Math.quantize(x, scale: scale, zeroPoint: zeroPoint)
    }

    /// ``Int8Math/dequantize(_:scale:zeroPoint:)``.
    @inlinable @inline(__always)
    public static func dequantize(_ q: Int8, scale: Float, zeroPoint: Int32) -> Float {
        Int8Math.dequantize(q, scale: scale, zeroPoint: zeroPoint)
    }

    /// Quantizes `count` values; `scales`/`zeroPoints` have one entry (per-tensor) or one per
    /// slice of `inner` elements along a channel axis (per-axis).
    public static func quantize(_ x: UnsafePointer<Float>, count: Int, scales: [Float], zeroPoints: [Int32],
                                inner: Int = 1, into q: UnsafeMutablePointer<Int8>) {
        if scales.count == 1 {
            let s = scales[0], z = zeroPoints.first ?? 0
            if Int8Dispatch.isSupported(.avx2) { return rppgAVX2Quantize(x, count, s, z, q) }
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
