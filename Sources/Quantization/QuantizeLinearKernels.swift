import TensorCore

/// Float reference of ONNX `QuantizeLinear` / `DequantizeLinear` (per tensor, or per axis when
/// the scale has more than one element), used by the fake-quant executor and tests.
public enum QuantizeLinearKernels {
    /// Per-element channel index for a per-axis scale of `channels` elements on `axis`.
    private static func channelStride(_ shape: [Int], axis: Int) -> (inner: Int, channels: Int) {
        let a = axis < 0 ? axis + shape.count : axis
        return (shape[(a + 1)...].reduce(1, *), shape[a])
    }

    /// `QuantizeLinear(x, scale, zeroPoint)`; the result has the zero point's dtype (uint8 when absent, as in ONNX).
    public static func quantize(_ x: Tensor, scale: Tensor, zeroPoint: Tensor?, axis: Int) -> Tensor {
        let xs = x.floatValues()
        let scales = scale.floatValues()
        let dtype = zeroPoint?.dtype ?? .uint8  // ONNX: uint8 when the zero point is absent
        let zps = zeroPoint.map { $0.doubleValues().map { Int32($0) } } ?? [Int32](repeating: 0, count: scales.count)
        let range = QuantRange.of(dtype)
        var out = [Int32](repeating: 0, count: xs.count)
        if scales.count == 1 {
            let p = QuantParameters(scale: scales[0], zeroPoint: zps[0])
            for i in xs.indices { out[i] = QuantizationMath.quantize(xs[i], p, range) }
        } else {
            let (inner, channels) = channelStride(x.shape, axis: axis)
            for i in xs.indices {
                let c = (i / inner) % channels
                out[i] = QuantizationMath.quantize(xs[i], QuantParameters(scale: scales[c], zeroPoint: zps[c]), range)
            }
        }
        switch dtype {
        case .int8: return Tensor(shape: x.shape, scalars: out.map { Int8($0) })
        case .uint8: return Tensor(shape: x.shape, scalars: out.map { UInt8($0) })
        case .int32: return Tensor(shape: x.shape, scalars: out)
        default: preconditionFailure("QuantizeLinear to \(dtype) is not supported")
        }
    }

    /// `DequantizeLinear(q, scale, zeroPoint)` to float32.
    public static func dequantize(_ q: Tensor, scale: Tensor, zeroPoint: Tensor?, axis: Int) -> Tensor {
        let qs = q.doubleValues()
        let scales = scale.floatValues()
        let zps = zeroPoint.map { $0.doubleValues() } ?? [Double](repeating: 0, count: scales.count)
        var out = [Float](repeating: 0, count: qs.count)
        if scales.count == 1 {
            for i in qs.indices { out[i] = Float(Int32(qs[i]) - Int32(zps[0])) * scales[0] }
        } else {
            let (inner, channels) = channelStride(q.shape, axis: axis)
            for i in qs.indices {
                let c = (i / inner) % channels
                out[i] = Float(Int32(qs[i]) - Int32(zps[c])) * scales[c]
            }
        }
        return Tensor(shape: q.shape, scalars: out)
    }
}
