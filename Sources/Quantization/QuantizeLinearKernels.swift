import TensorCore

/// Float reference of ONNX `QuantizeLinear` / `DequantizeLinear` (per tensor, or per axis when
/// the scale has more than one element), used by the fake-quant executor and tests.
///
/// The loops read and write the tensors' own storage by dtype (no `[Double]` or `[Int32]`
/// staging copies): the fake-quant pass of the per-layer report runs them on every activation.
public enum QuantizeLinearKernels {
    /// `(outer, channels, inner)` of a per-axis scale of `channels` elements on `axis`; per tensor
    /// (one scale) is `(1, 1, count)`.
    private static func blocks(_ shape: [Int], axis: Int, scales: Int) -> (outer: Int, channels: Int, inner: Int) {
        let count = shape.reduce(1, *)
        if scales == 1 { return (1, 1, count) }
        let a = axis < 0 ? axis + shape.count : axis
        let inner = shape[(a + 1)...].reduce(1, *)
        return (count / max(1, inner * shape[a]), shape[a], inner)
    }

    private static func parameters(scale: Tensor, zeroPoint: Tensor?) -> [QuantParameters] {
        let scales = scale.floatValues()
        let zps = zeroPoint.map { $0.doubleValues().map { Int32($0) } } ?? [Int32](repeating: 0, count: scales.count)
        return zip(scales, zps).map { QuantParameters(scale: $0, zeroPoint: $1) }
    }

    /// Calls `body(p, range)` for every run of `inner` consecutive elements sharing one channel's
    /// parameters (`range` indexes the flat tensor).
    private static func forEachRun(_ shape: [Int], axis: Int, _ params: [QuantParameters],
                                   _ body: (QuantParameters, Range<Int>) -> Void) {
        let (outer, channels, inner) = blocks(shape, axis: axis, scales: params.count)
        for o in 0..<outer {
            for c in 0..<channels {
                let start = (o * channels + c) * inner
                body(params[c], start..<(start + inner))
            }
        }
    }

    /// `QuantizeLinear(x, scale, zeroPoint)`; the result has the zero point's dtype (uint8 when absent, as in ONNX).
    public static func quantize(_ x: Tensor, scale: Tensor, zeroPoint: Tensor?, axis: Int) -> Tensor {
        let params = parameters(scale: scale, zeroPoint: zeroPoint)
        let dtype = zeroPoint?.dtype ?? .uint8  // ONNX: uint8 when the zero point is absent
        let range = QuantRange.of(dtype)
        let xf = x.toFloat32()
        var out = Tensor(zeros: x.shape, dtype: dtype)
        func fill<T: TensorScalar & FixedWidthInteger>(_: T.Type) {
            xf.withUnsafeBufferPointer(of: Float.self) { xs in
                out.withUnsafeMutableBufferPointer(of: T.self) { ys in
                    forEachRun(x.shape, axis: axis, params) { p, run in
                        for i in run { ys[i] = T(QuantizationMath.quantize(xs[i], p, range)) }
                    }
                }
            }
        }
        switch dtype {
        case .int8: fill(Int8.self)
        case .uint8: fill(UInt8.self)
        case .int16: fill(Int16.self)
        case .int32: fill(Int32.self)
        default: preconditionFailure("QuantizeLinear to \(dtype) is not supported")
        }
        return out
    }

    /// `DequantizeLinear(q, scale, zeroPoint)` to float32.
    public static func dequantize(_ q: Tensor, scale: Tensor, zeroPoint: Tensor?, axis: Int) -> Tensor {
        let params = parameters(scale: scale, zeroPoint: zeroPoint)
        var out = Tensor(zeros: q.shape)
        func read<T: TensorScalar & BinaryInteger>(_: T.Type) {
            q.withUnsafeBufferPointer(of: T.self) { qs in
                out.withUnsafeMutableBufferPointer(of: Float.self) { ys in
                    forEachRun(q.shape, axis: axis, params) { p, run in
                        for i in run { ys[i] = QuantizationMath.dequantize(Int32(qs[i]), p) }
                    }
                }
            }
        }
        switch q.dtype {
        case .int8: read(Int8.self)
        case .uint8: read(UInt8.self)
        case .int16: read(Int16.self)
        case .int32: read(Int32.self)
        default:
            let qs = q.doubleValues()
            out.withUnsafeMutableBufferPointer(of: Float.self) { ys in
                forEachRun(q.shape, axis: axis, params) { p, run in
                    for i in run { ys[i] = QuantizationMath.dequantize(Int32(qs[i]), p) }
                }
            }
        }
        return out
    }

    /// `DequantizeLinear(QuantizeLinear(x))` in one pass, float32 to float32: what a Q → DQ pair
    /// computes, without the integer tensor in between (the fake-quant executor's rounding).
    public static func fakeQuantize(_ x: Tensor, scale: Tensor, zeroPoint: Tensor?, axis: Int) -> Tensor {
        let params = parameters(scale: scale, zeroPoint: zeroPoint)
        let range = QuantRange.of(zeroPoint?.dtype ?? .uint8)
        let xf = x.toFloat32()
        var out = Tensor(zeros: x.shape)
        xf.withUnsafeBufferPointer(of: Float.self) { xs in
            out.withUnsafeMutableBufferPointer(of: Float.self) { ys in
                forEachRun(x.shape, axis: axis, params) { p, run in
                    if let grid = FakeQuantGrid(p, range) {
                        for i in run { ys[i] = grid.apply(xs[i]) }
                    } else {
                        for i in run { ys[i] = QuantizationMath.fakeQuantize(xs[i], p, range) }
                    }
                }
            }
        }
        return out
    }
}
