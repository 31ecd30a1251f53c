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

public enum Int8Pooling {
    /// Max pooling; `channels` counts batch × channels.
    public static func max(_ s: Int8PoolShape, input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>,
                           requantize: (xScale: Float, xZeroPoint: Int32, yScale: Float, yZeroPoint: Int32)? = nil) {
        if windowsInside(s) {
            interiorMax(s, input: input, output: output, requantize: requantize)
            return
        }
        pool(s, input: input) { c, p, window in
            var best = Int8.min
            window { v, _ in if v > best { best = v } }
            if let q = requantize {
                let real = Float(Int32(best) - q.xZeroPoint) * q.xScale
                output[c * s.output[0] * s.output[1] * s.output[2] + p] =
                    Int8Quantize.quantize(real, scale: q.yScale, zeroPoint: q.yZeroPoint)
            } else {
                output[c * s.output[0] * s.output[1] * s.output[2] + p] = best
            }
        }
    }

    /// Average pooling (see the type's notes for the exact formula).
    public static func average(_ s: Int8PoolShape, countIncludePad: Bool, input: UnsafePointer<Int8>,
                               xScale: Float, xZeroPoint: Int32, yScale: Float, yZeroPoint: Int32,
                               output: UnsafeMutablePointer<Int8>) {
        let full = s.kernel[0] * s.kernel[1] * s.kernel[2]
        if windowsInside(s) {
            interiorAverage(s, input: input, xScale: xScale, xZeroPoint: xZeroPoint, yScale: yScale,
                            yZeroPoint: yZeroPoint, output: output)
            return
        }
        pool(s, input: input) { c, p, window in
            var sum: Int32 = 0, valid = 0
            window { v, _ in sum &+= Int32(v) - xZeroPoint; valid += 1 }
            let count = countIncludePad ? full : Swift.max(valid, 1)
            let v = Float(sum) * (xScale / Float(count) / yScale)
            output[c * s.output[0] * s.output[1] * s.output[2] + p] = Int8Pooling.round(v, yZeroPoint)
        }
    }

    /// Walks every output position; `body(channel, position, window)` where `window(visit)`
    /// calls `visit(value, flatInputIndex)` for each in-bounds tap.
    @inline(__always)
    static func pool(_ s: Int8PoolShape, input: UnsafePointer<Int8>,
                     _ body: (Int, Int, ((Int8, Int) -> Void) -> Void) -> Void) {
        let (id, ih, iw) = (s.input[0], s.input[1], s.input[2])
        for c in 0..<s.channels {
            let plane = input + c * id * ih * iw
            var p = 0
            for z in 0..<s.output[0] {
                let d0 = z * s.stride[0] - s.padsBegin[0]
                let dLo = Swift.max(d0, 0), dHi = Swift.min(d0 + s.kernel[0], id)
                for y in 0..<s.output[1] {
                    let h0 = y * s.stride[1] - s.padsBegin[1]
                    let hLo = Swift.max(h0, 0), hHi = Swift.min(h0 + s.kernel[1], ih)
                    for x in 0..<s.output[2] {
                        let w0 = x * s.stride[2] - s.padsBegin[2]
                        let wLo = Swift.max(w0, 0), wHi = Swift.min(w0 + s.kernel[2], iw)
                        body(c, p) { visit in
                            if dLo >= dHi || hLo >= hHi || wLo >= wHi { return }
                            for d in dLo..<dHi {
                                for h in hLo..<hHi {
                                    let line = (d * ih + h) * iw
                                    for w in wLo..<wHi { visit(plane[line + w], line + w) }
                                }
                            }
                        }
                        p += 1
                    }
                }
            }
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
        let multiplier = xScale / Float(count) / yScale
        if reduced == Set((rank - reduced.count)..<rank) {
            // Trailing axes (the zoo's spatial means): each output is one contiguous run.
            for j in 0..<outCount {
                let run = input + j * count
                var sum: Int32 = 0
                for i in 0..<count { sum &+= Int32(run[i]) }
                output[j] = round(Float(sum &- Int32(count) &* xZeroPoint) * multiplier, yZeroPoint)
            }
            return
        }
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
