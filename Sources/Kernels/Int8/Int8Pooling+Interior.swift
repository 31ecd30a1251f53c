/// Pooling fast path for the common case: no padding and every window inside the input (the
/// zoo's 1×2×2 and 2×2×2 pools). Same arithmetic as the general walk in ``Int8Pooling``, without
/// its per-tap closure calls and bounds and per-output multiplier computations.
extension Int8Pooling {
    /// Whether every window of `s` lies inside the input without padding.
    static func windowsInside(_ s: Int8PoolShape) -> Bool {
        (0..<3).allSatisfy { a in
            s.padsBegin[a] == 0 && (s.output[a] - 1) * s.stride[a] + s.kernel[a] <= s.input[a]
        }
    }

    /// Walks output rows: for each `(channel, z, y)` the `kd·kh` input rows of the window are first
    /// reduced element-wise into `row` (`span` values, a loop the compiler vectorises), then
    /// `body(output row, row)` reduces `kw` neighbours per output. Replaces a closure call per tap.
    @inline(__always)
    static func interiorRows<T>(_ s: Int8PoolShape, input: UnsafePointer<Int8>, initial: T,
                                combine: (T, Int8) -> T,
                                _ body: (UnsafeMutablePointer<Int8>, UnsafeMutablePointer<T>) -> Void,
                                output: UnsafeMutablePointer<Int8>) {
        let (id, ih, iw) = (s.input[0], s.input[1], s.input[2])
        let (kd, kh) = (s.kernel[0], s.kernel[1])
        let (sd, sh) = (s.stride[0], s.stride[1])
        let (od, oh, ow) = (s.output[0], s.output[1], s.output[2])
        let span = (ow - 1) * s.stride[2] + s.kernel[2]
        withUnsafeTemporaryAllocation(of: T.self, capacity: span) { buffer in
            let row = buffer.baseAddress!
            var out = output
            for c in 0..<s.channels {
                let volume = input + c * id * ih * iw
                for z in 0..<od {
                    for y in 0..<oh {
                        row.update(repeating: initial, count: span)
                        for a in 0..<kd {
                            for b in 0..<kh {
                                let line = volume + ((z * sd + a) * ih + y * sh + b) * iw
                                for i in 0..<span { row[i] = combine(row[i], line[i]) }
                            }
                        }
                        body(out, row)
                        out += ow
                    }
                }
            }
        }
    }

    /// Max pooling of windows inside the input (``windowsInside(_:)``).
    static func interiorMax(_ s: Int8PoolShape, input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>,
                            requantize q: (xScale: Float, xZeroPoint: Int32, yScale: Float, yZeroPoint: Int32)?) {
        let (kw, sw, ow) = (s.kernel[2], s.stride[2], s.output[2])
        interiorRows(s, input: input, initial: Int8.min, combine: { Swift.max($0, $1) }, { out, row in
            if kw == 2 && sw == 2 {
                for x in 0..<ow { out[x] = Swift.max(row[2 * x], row[2 * x + 1]) }
            } else {
                for x in 0..<ow {
                    var best = row[x * sw]
                    for e in 1..<Swift.max(kw, 1) { best = Swift.max(best, row[x * sw + e]) }
                    out[x] = best
                }
            }
            if let q {
                for x in 0..<ow {
                    out[x] = Int8Quantize.quantize(Float(Int32(out[x]) - q.xZeroPoint) * q.xScale, scale: q.yScale,
                                                   zeroPoint: q.yZeroPoint)
                }
            }
        }, output: output)
    }

    /// Average pooling of windows inside the input: every window is full, so the divisor is the
    /// kernel volume with or without `countIncludePad`.
    static func interiorAverage(_ s: Int8PoolShape, input: UnsafePointer<Int8>, xScale: Float, xZeroPoint: Int32,
                                yScale: Float, yZeroPoint: Int32, output: UnsafeMutablePointer<Int8>) {
        let (kw, sw, ow) = (s.kernel[2], s.stride[2], s.output[2])
        let full = s.kernel[0] * s.kernel[1] * kw
        let multiplier = xScale / Float(full) / yScale
        let offset = Int32(full) &* xZeroPoint
        interiorRows(s, input: input, initial: Int32(0), combine: { $0 &+ Int32($1) }, { out, row in
            if kw == 2 && sw == 2 {
                // The zoo's 2-wide pools: a loop without the inner tap loop vectorises.
                for x in 0..<ow {
                    out[x] = Int8Pooling.round(Float(row[2 &* x] &+ row[2 &* x &+ 1] &- offset) * multiplier, yZeroPoint)
                }
                return
            }
            for x in 0..<ow {
                var sum: Int32 = 0
                for e in 0..<kw { sum &+= row[x * sw + e] }
                out[x] = Int8Pooling.round(Float(sum &- offset) * multiplier, yZeroPoint)
            }
        }, output: output)
    }
}
