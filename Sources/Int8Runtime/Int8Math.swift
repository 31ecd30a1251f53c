/// The scalar integer-quantization maths of the int8 engine, in one place for every build of it:
/// the host kernels (Kernels' `Int8Requantization`, `Int8Quantize`, `Int8Pooling`) call these, and
/// this module uses nothing but the standard library (no Foundation, no allocation, no
/// existentials) so that it also compiles with Embedded Swift for a Cortex-M (issue 14).
public enum Int8Math {
    /// `sat(round_half_even(v) + zeroPoint)` to int8, with `v` first clamped to `[low, high]`
    /// (`low`/`high` are integers in the zero-point-relative domain, at most ±255 apart from 0).
    /// Rounding half to even uses MLAS's trick: adding 1.5·2²³ leaves the rounded integer in the
    /// low mantissa bits, exact for |v| ≤ 2²² under the default rounding mode; it needs no
    /// `roundss` (SSE4.1) or `rintf` call and lets the compiler vectorise the callers' loops.
    @inlinable @inline(__always)
    public static func clampRound(_ v: Float, low: Float, high: Float, zeroPoint: Int32) -> Int8 {
        var v = v < low ? low : v
        v = v > high ? high : v
        let rounded = Int32(bitPattern: (v + 12_582_912.0).bitPattern) &- 0x4B40_0000
        return Int8(truncatingIfNeeded: rounded &+ zeroPoint)
    }

    /// `sat(round_half_even(v) + zp)` over the whole int8 range (pooling and means).
    @inlinable @inline(__always)
    public static func round(_ v: Float, zeroPoint zp: Int32) -> Int8 {
        clampRound(v, low: float(-128 - zp), high: float(127 - zp), zeroPoint: zp)
    }

    /// Requantization of one Int32 accumulator (bias already added), as ONNX Runtime's
    /// QLinearConv on x86 (MLAS `MlasRequantizeOutput`): `Float(value) · multiplier`, clamped to
    /// `[low, high]` (the output range minus the zero point; a fused ReLU narrows it), rounded.
    @inlinable @inline(__always)
    public static func requantize(_ value: Int32, multiplier: Float, low: Float, high: Float, zeroPoint: Int32) -> Int8 {
        clampRound(float(value) * multiplier, low: low, high: high, zeroPoint: zeroPoint)
    }

    /// QuantizeLinear to int8 as ONNX Runtime computes it: `sat(round_half_even(x / scale) + zp)`
    /// with the division in float32. Clamping before rounding gives the same result (the bounds
    /// are integers). NaN quantizes to the zero point.
    @inlinable @inline(__always)
    public static func quantize(_ x: Float, scale: Float, zeroPoint: Int32) -> Int8 {
        var v = x / scale
        if v.isNaN { v = 0 }
        return round(v, zeroPoint: zeroPoint)
    }

    /// DequantizeLinear: `Float(q − zp) · scale`.
    @inlinable @inline(__always)
    public static func dequantize(_ q: Int8, scale: Float, zeroPoint: Int32) -> Float {
        float(Int32(q) - zeroPoint) * scale
    }

    /// `Float(v)`, exactly rounded on every target. On 32-bit targets the generic
    /// `Float(Int32)` goes through Int64 and a soft-float `__aeabi_l2f` call in Embedded Swift;
    /// `Float(Int)` is one `vcvt.f32.s32` there. Same value either way.
    @inlinable @inline(__always)
    public static func float(_ v: Int32) -> Float {
        #if _pointerBitWidth(_32)
        return Float(Int(v))
        #else
        return Float(v)
        #endif
    }
}
