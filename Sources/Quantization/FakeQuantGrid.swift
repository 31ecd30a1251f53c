/// `QuantizationMath.fakeQuantize` for one scale and zero point, written so that the compiler
/// vectorises loops over it: no `rint` call (baseline x86-64 has no vector rounding instruction,
/// so `rounded(.toNearestOrEven)` costs a libm call per value) and selects instead of branches.
/// Gives the same float, bit for bit, as `QuantizationMath.fakeQuantize` for every input.
struct FakeQuantGrid {
    let scale: Float, zeroPoint: Float, qmin: Float, qmax: Float

    /// Nil when the integer range does not fit float32's 24-bit mantissa (int32), where the
    /// float arithmetic below would not be exact; use `QuantizationMath` there.
    init?(_ p: QuantParameters, _ r: QuantRange) {
        let limit: Int64 = 1 << 24
        guard Int64(r.qmin) - Int64(p.zeroPoint) >= -limit, Int64(r.qmax) - Int64(p.zeroPoint) <= limit,
              r.qmin >= -(1 << 24), r.qmax <= 1 << 24 else { return nil }
        scale = p.scale
        zeroPoint = Float(p.zeroPoint)
        qmin = Float(r.qmin)
        qmax = Float(r.qmax)
    }

    /// `rint(v)`: below 2²³ adding and subtracting 2²³ rounds the magnitude to an integer, ties
    /// to even (IEEE default rounding); from 2²³ on a float32 already is one. The sign is put
    /// back, so −0.3 gives −0 as `rint` does; NaN stays NaN.
    @inline(__always) static func rint(_ v: Float) -> Float {
        let m = Swift.abs(v)
        let r = m < 8_388_608 ? (m + 8_388_608) - 8_388_608 : m
        return Float(bitPattern: r.bitPattern | (v.bitPattern & 0x8000_0000))
    }

    /// The quantized value `q` as a float (an integer in `qmin...qmax`).
    @inline(__always) func level(_ x: Float) -> Float {
        let v = Self.rint(x / scale) + zeroPoint
        let q = v.isNaN ? zeroPoint : v
        return Swift.min(Swift.max(q, qmin), qmax)
    }

    /// `(q − zp)·scale`: `q − zp` is an exact small integer, as `Float(q − zp)` is in Int32.
    @inline(__always) func dequantize(_ level: Float) -> Float { (level - zeroPoint) * scale }

    @inline(__always) func apply(_ x: Float) -> Float { dequantize(level(x)) }
}
