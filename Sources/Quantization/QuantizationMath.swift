import TensorCore

/// Scale and zero point of one quantized tensor (or one channel of it): `r = scale · (q − zeroPoint)`.
public struct QuantParameters: Hashable, Sendable {
    /// Stored as float32, as ONNX Runtime stores it.
    public var scale: Float
    public var zeroPoint: Int32

    public init(scale: Float, zeroPoint: Int32) {
        self.scale = scale
        self.zeroPoint = zeroPoint
    }
}

/// The integer range of a quantized type.
public struct QuantRange: Hashable, Sendable {
    public var qmin: Int32
    public var qmax: Int32

    public init(qmin: Int32, qmax: Int32) {
        self.qmin = qmin
        self.qmax = qmax
    }

    /// ONNX Runtime's `get_qmin_qmax_for_qType`: int8 symmetric is `[-127, 127]`, otherwise the full range.
    public static func of(_ dtype: DType, symmetric: Bool = false) -> QuantRange {
        switch dtype {
        case .int8: return symmetric ? QuantRange(qmin: -127, qmax: 127) : QuantRange(qmin: -128, qmax: 127)
        case .uint8: return QuantRange(qmin: 0, qmax: 255)
        case .int16: return symmetric ? QuantRange(qmin: -32767, qmax: 32767) : QuantRange(qmin: -32768, qmax: 32767)
        case .uint16: return QuantRange(qmin: 0, qmax: 65535)
        case .int32: return QuantRange(qmin: Int32.min, qmax: Int32.max)
        default: preconditionFailure("\(dtype) is not a quantized integer type")
        }
    }
}

/// Scale/zero-point maths exactly as ONNX Runtime's quantizer (`quant_utils.compute_scale_zp`,
/// `quantize_nparray`): float64 range arithmetic, float32 storage, numpy's round half to even.
public enum QuantizationMath {
    /// numpy's `round`: ties go to the even neighbour.
    @inlinable public static func roundHalfEven(_ x: Double) -> Double { x.rounded(.toNearestOrEven) }
    /// Float version of ``roundHalfEven(_:)-(Double)``.
    @inlinable public static func roundHalfEven(_ x: Float) -> Float { x.rounded(.toNearestOrEven) }

    /// `compute_scale_zp(rmin, rmax, qmin, qmax, symmetric)`. The range is first widened to
    /// include 0; with `symmetric` it becomes `[-absmax, absmax]` and the zero point is
    /// `round((qmin + qmax) / 2)` (0 for int8, 128 for uint8). A scale below float32's smallest
    /// normal becomes 1 with zero point 0 (an all-zero tensor), as in ORT.
    public static func parameters(rmin: Float, rmax: Float, range: QuantRange, symmetric: Bool) -> QuantParameters {
        var lo = min(rmin, 0)
        var hi = max(rmax, 0)
        if symmetric {
            let absmax = max(abs(lo), abs(hi))
            lo = -absmax
            hi = absmax
        }
        let dr = Double(hi) - Double(lo)
        let dq = Double(range.qmax) - Double(range.qmin)
        let scale = dr / dq
        if scale < Double(Float.leastNormalMagnitude) {
            return QuantParameters(scale: 1, zeroPoint: 0)
        }
        let zp: Double
        if symmetric {
            zp = roundHalfEven((Double(range.qmin) + Double(range.qmax)) / 2)
        } else {
            zp = roundHalfEven(Double(range.qmin) - Double(lo) / scale)
        }
        // numpy casts the rounded float64 to the integer type; within the range in practice,
        // clamp so that a degenerate range can never wrap.
        let clamped = min(max(zp, Double(range.qmin)), Double(range.qmax))
        return QuantParameters(scale: Float(scale), zeroPoint: Int32(clamped))
    }

    /// `clip(round_half_even(x / scale) + zp, qmin, qmax)` with the division in float32
    /// (ORT's `quantize_nparray` and the ONNX `QuantizeLinear` reference).
    @inlinable public static func quantize(_ x: Float, _ p: QuantParameters, _ range: QuantRange) -> Int32 {
        let v = (x / p.scale).rounded(.toNearestOrEven) + Float(p.zeroPoint)
        if v.isNaN { return p.zeroPoint }
        return Int32(min(max(v, Float(range.qmin)), Float(range.qmax)))
    }

    /// `(q − zp) · scale` in float32 (ONNX `DequantizeLinear`).
    @inlinable public static func dequantize(_ q: Int32, _ p: QuantParameters) -> Float {
        Float(q - p.zeroPoint) * p.scale
    }

    /// Quantize then dequantize (the fake-quant rounding of one value).
    @inlinable public static func fakeQuantize(_ x: Float, _ p: QuantParameters, _ range: QuantRange) -> Float {
        dequantize(quantize(x, p, range), p)
    }
}
