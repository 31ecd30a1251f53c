import Int8AVX2
import Int8Runtime

/// Int8 pooling over NC[D][H]W tensors, with the spatial axes normalised to three as in
/// ``Int8ConvShape`` (kernel/stride/pads/output given per axis, prepended with 1/1/0/1).
///
/// Semantics (ONNX Runtime's QDQ forms):
/// - Max pooling: `max` of the int8 values in the window (padding ignored); when input and
///   output quantization parameters differ the maximum is requantized as in ``Int8Quantize``.
/// - Average pooling: the exact integer sum of `x − xZeroPoint` over the window times one float32
///   multiplier, as MLAS's QLinearGlobalAveragePool does:
///   `q = sat(round_half_even(Float(sum) · (xScale / Float(count) / yScale)) + yZeroPoint)`
///   (`countIncludePad` decides whether padded taps count). With equal input/output scales (what
///   quantize_static gives AveragePool) this is exactly `round_half_even(sum / count)`. ORT's
///   QLinearAveragePool sums dequantized floats instead, so ties can differ by 1 LSB.
public struct Int8PoolShape: Sendable, Equatable {
    public var channels: Int
    public var input: [Int]
    public var kernel: [Int]
    public var stride: [Int]
    public var padsBegin: [Int]
    public var output: [Int]

    /// `output` is computed by the caller (floor or ceil mode); all arrays share the pool's rank.
    public init(channels: Int, input: [Int], kernel: [Int], stride: [Int], padsBegin: [Int], output: [Int]) {
        let r = kernel.count
        precondition((1...3).contains(r) && input.count == r && output.count == r, "pool rank must be 1…3")
        func lift(_ v: [Int], _ fill: Int) -> [Int] { Array(repeating: fill, count: 3 - r) + v }
        self.channels = channels
        self.input = lift(input, 1)
        self.kernel = lift(kernel, 1)
        self.stride = lift(stride, 1)
        self.padsBegin = lift(padsBegin, 0)
        self.output = lift(output, 1)
    }
}

extension Int8PoolShape {
    /// The same geometry in the runtime's plain-field form.
    public var geometry: Int8PoolGeometry {
        Int8PoolGeometry(channels: channels, input: (input[0], input[1], input[2]), kernel: (kernel[0], kernel[1], kernel[2]),
                     stride: (stride[0], stride[1], stride[2]), padsBegin: (padsBegin[0], padsBegin[1], padsBegin[2]),
                     output: (output[0], output[1], output[2]))
    }
}

/// The host entry points; the arithmetic is Int8Runtime's ``Int8Pool`` (shared with the device).
public enum Int8Pooling {
    /// Max pooling; `channels` counts batch × channels.
    public static func max(_ s: Int8PoolShape, input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>,
                           requantize: (xScale: Float, xZeroPoint: Int32, yScale: Float, yZeroPoint: Int32)? = nil) {
        let g = s.geometry
        let rescale = requantize.map { Int8Pool.Rescale(xScale: $0.xScale, xZeroPoint: $0.xZeroPoint, yScale: $0.yScale, yZeroPoint: $0.yZeroPoint) }
        withUnsafeTemporaryAllocation(of: Int8.self, capacity: g.rowSpan) {
            Int8Pool.max(g, input: input, output: output, rescale: rescale, scratch: $0.baseAddress!)
        }
    }

    /// Average pooling (see the type's notes for the exact formula).
    public static func average(_ s: Int8PoolShape, countIncludePad: Bool, input: UnsafePointer<Int8>,
                               xScale: Float, xZeroPoint: Int32, yScale: Float, yZeroPoint: Int32,
                               output: UnsafeMutablePointer<Int8>) {
        let g = s.geometry
        if g.windowsInside && Int8Dispatch.isSupported(.avx2) {
            withUnsafeTemporaryAllocation(of: Float.self, capacity: g.ow) {
                rppgAVX2AverageRows(g, input, xScale, xZeroPoint, yScale, Int8Math.float(yZeroPoint), output, $0.baseAddress!)
            }
            return
        }
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: g.rowSpan) {
            Int8Pool.average(g, countIncludePad: countIncludePad, input: input, xScale: xScale, xZeroPoint: xZeroPoint,
                             yScale: yScale, yZeroPoint: yZeroPoint, output: output, scratch: $0.baseAddress!)
        }
    }

    /// Mean over `axes` of an int8 tensor of `shape`, in the same form as average pooling:
    /// `q = sat(round_half_even(Float(Σ(x − xZp)) · (xScale / Float(count) / yScale)) + yZp)`.
    /// (ORT runs a QDQ ReduceMean as DQ → float ReduceMean → Q; results agree up to 1 LSB on ties.)
    /// The output is laid out as the input with the reduced axes removed (keepdims is a view).
    public static func mean(shape: [Int], axes: [Int], input: UnsafePointer<Int8>,
                            xScale: Float, xZeroPoint: Int32, yScale: Float, yZeroPoint: Int32,
                            output: UnsafeMutablePointer<Int8>, sums: UnsafeMutablePointer<Int32>) {
        let rank = shape.count
        let reduced = Set(axes.map { $0 < 0 ? $0 + rank : $0 })
        var outStrides = [Int](repeating: 0, count: rank)
        var step = 1
        for a in Swift.stride(from: rank - 1, through: 0, by: -1) where !reduced.contains(a) {
            outStrides[a] = step
            step *= shape[a]
        }
        let outCount = step
        let count = reduced.reduce(1) { $0 * shape[$1] }
        if reduced == Set((rank - reduced.count)..<rank) {
            // Trailing axes (the zoo's spatial means): each output is one contiguous run.
            Int8Pool.meanTrailing(outputs: outCount, count: count, input: input, xScale: xScale, xZeroPoint: xZeroPoint,
                                  yScale: yScale, yZeroPoint: yZeroPoint, output: output)
            return
        }
        let multiplier = xScale / Float(count) / yScale
        sums.update(repeating: 0, count: outCount)
        let total = shape.reduce(1, *)
        var index = [Int](repeating: 0, count: rank)
        var o = 0
        for i in 0..<total {
            sums[o] &+= Int32(input[i]) - xZeroPoint
            var a = rank - 1
            while a >= 0 {
                index[a] += 1
                o += outStrides[a]
                if index[a] < shape[a] { break }
                o -= outStrides[a] * shape[a]
                index[a] = 0
                a -= 1
            }
        }
        for j in 0..<outCount { output[j] = round(Float(sums[j]) * multiplier, yZeroPoint) }
    }

    /// `sat(round_half_even(v) + zp)` to int8: ``Int8Math/round(_:zeroPoint:)``.
    @inline(__always) static func round(_ v: Float, _ zp: Int32) -> Int8 { Int8Math.round(v, zeroPoint: zp) }
}
