/// Geometry of an int8 pooling over `channels` planes of `id × ih × iw` values (batch folded into
/// channels, 1-D/2-D pools lifted to three axes with size-1 leading axes). Plain fields rather
/// than arrays, so that a plan can carry it and a device can run it without allocating.
public struct Int8PoolGeometry: Equatable {
    public var channels: Int
    public var id: Int, ih: Int, iw: Int
    public var kd: Int, kh: Int, kw: Int
    public var sd: Int, sh: Int, sw: Int
    public var pd: Int, ph: Int, pw: Int
    public var od: Int, oh: Int, ow: Int

    public init(channels: Int, input: (Int, Int, Int), kernel: (Int, Int, Int), stride: (Int, Int, Int),
                padsBegin: (Int, Int, Int), output: (Int, Int, Int)) {
        self.channels = channels
        (id, ih, iw) = input
        (kd, kh, kw) = kernel
        (sd, sh, sw) = stride
        (pd, ph, pw) = padsBegin
        (od, oh, ow) = output
    }

    /// Whether every window lies inside the input without padding (the zoo's 1×2×2 and 2×2×2
    /// pools), the case of the fast row-wise path.
    public var windowsInside: Bool {
        pd == 0 && ph == 0 && pw == 0 && (od - 1) * sd + kd <= id && (oh - 1) * sh + kh <= ih && (ow - 1) * sw + kw <= iw
    }

    /// Scratch values the fast path needs: one input row span.
    public var rowSpan: Int { (ow - 1) * sw + kw }
    public var outputCount: Int { channels * od * oh * ow }
}

/// Int8 pooling and means, the one implementation behind the host engine (Kernels'
/// `Int8Pooling`) and the device runtime. Semantics are ONNX Runtime's QDQ forms:
/// - max: the largest int8 value of the window (padding ignored), requantized as
///   dequantize → quantize when input and output parameters differ;
/// - average: as ORT's QLinearAveragePool, `sat(round_half_even(Σ xScale·(x − xZp) / count / yScale
///   + yZp))` in float32 with taps summed in window order (`countIncludePad` decides whether padded
///   taps count); a window over the whole input takes the global-average form below, as ORT does;
/// - mean over trailing axes: the same formula over each contiguous run.
public enum Int8Pool {
    /// Requantization of a max pool whose output parameters differ from its input's.
    public struct Rescale {
        public var xScale: Float, xZeroPoint: Int32, yScale: Float, yZeroPoint: Int32
        public init(xScale: Float, xZeroPoint: Int32, yScale: Float, yZeroPoint: Int32) {
            (self.xScale, self.xZeroPoint, self.yScale, self.yZeroPoint) = (xScale, xZeroPoint, yScale, yZeroPoint)
        }
        @inline(__always) func apply(_ q: Int8) -> Int8 {
            Int8Math.quantize(Int8Math.dequantize(q, scale: xScale, zeroPoint: xZeroPoint), scale: yScale, zeroPoint: yZeroPoint)
        }
    }

    /// Max pooling. `scratch` holds `g.rowSpan` bytes (used when the windows lie inside the input).
    public static func max(_ g: Int8PoolGeometry, input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>,
                           rescale: Rescale?, scratch: UnsafeMutablePointer<Int8>) {
        if g.windowsInside {
            let (kw, sw, ow) = (g.kw, g.sw, g.ow)
            rows(g, input: input, row: scratch, initial: Int8.min, output: output, combine: { Swift.max($0, $1) }) { out, row in
                if kw == 2 && sw == 2 {
                    for x in 0..<ow { out[x] = Swift.max(row[2 &* x], row[2 &* x &+ 1]) }
                } else {
                    for x in 0..<ow {
                        var best = row[x &* sw]
                        var e = 1
                        while e < kw { best = Swift.max(best, row[x &* sw &+ e]); e &+= 1 }
                        out[x] = best
                    }
                }
                if let rescale { for x in 0..<ow { out[x] = rescale.apply(out[x]) } }
            }
            return
        }
        var out = output
        walk(g, input: input) { plane, dLo, dHi, hLo, hHi, wLo, wHi in
            var best = Int8.min
            for d in dLo..<dHi { for h in hLo..<hHi {
                let line = plane + (d &* g.ih &+ h) &* g.iw
                for w in wLo..<wHi where line[w] > best { best = line[w] }
            } }
            out.pointee = rescale.map { $0.apply(best) } ?? best
            out += 1
        }
    }

    /// Average pooling. `scratch` holds `g.rowSpan` Int32 values.
    public static func average(_ g: Int8PoolGeometry, countIncludePad: Bool, input: UnsafePointer<Int8>,
                               xScale: Float, xZeroPoint: Int32, yScale: Float, yZeroPoint: Int32,
                               output: UnsafeMutablePointer<Int8>, scratch: UnsafeMutablePointer<Int32>) {
        let full = g.kd * g.kh * g.kw
        if g.windowsInside && g.kd == g.id && g.kh == g.ih && g.kw == g.iw {
            // One window over the whole unpadded input: ORT runs it as QLinearGlobalAveragePool.
            meanTrailing(outputs: g.channels, count: full, input: input, xScale: xScale, xZeroPoint: xZeroPoint,
                         yScale: yScale, yZeroPoint: yZeroPoint, output: output)
            return
        }
        // ORT's QLinearAveragePool: each tap dequantized in float32, summed in window order,
        // divided by the count, then nearbyint(y / yScale + yZp). An integer sum times one
        // multiplier breaks the many exact ties (a 2×2 mean is k/4) differently in ~20 % of outputs.
        let zp = Int8Math.float(yZeroPoint)
        if g.windowsInside {
            scratch.withMemoryRebound(to: Float.self, capacity: g.ow) {
                averageRows(g, input: input, xScale: xScale, xZeroPoint: xZeroPoint, yScale: yScale, yZeroPoint: zp,
                            output: output, sums: $0)
            }
            return
        }
        var out = output
        walk(g, input: input) { plane, dLo, dHi, hLo, hHi, wLo, wHi in
            var sum: Float = 0
            var valid = 0
            for d in dLo..<dHi { for h in hLo..<hHi {
                let line = plane + (d &* g.ih &+ h) &* g.iw
                for w in wLo..<wHi { sum += xScale * Int8Math.float(Int32(line[w]) &- xZeroPoint); valid &+= 1 }
            } }
            let count = countIncludePad ? full : Swift.max(valid, 1)
            out.pointee = Int8Math.round(sum / Int8Math.float(Int32(count)) / yScale + zp, zeroPoint: 0)
            out += 1
        }
    }

    /// The average pool of windows that lie inside the input, one output row at a time: taps are
    /// the outer loops and output columns the inner one, so each output still sums its taps in
    /// window order (the same float32 values as the per-window loop) while the inner loop
    /// vectorises. The per-window loop took a third of TinyPulse's int8 clip. Inlinable so that
    /// the host's AVX2 module compiles the same source with 256-bit vectors (`rppgAVX2AverageRows`).
    @inlinable
    public static func averageRows(_ g: Int8PoolGeometry, input: UnsafePointer<Int8>, xScale: Float, xZeroPoint: Int32,
                            yScale: Float, yZeroPoint zp: Float, output: UnsafeMutablePointer<Int8>,
                            sums: UnsafeMutablePointer<Float>) {
        let (kd, kh, kw, sw, ow) = (g.kd, g.kh, g.kw, g.sw, g.ow)
        let count = Int8Math.float(Int32(kd &* kh &* kw))
        var out = output
        for c in 0..<g.channels {
            let volume = input + c &* g.id &* g.ih &* g.iw
            for z in 0..<g.od {
                for y in 0..<g.oh {
                    if kd == 1 && kh == 2 && kw == 2 && sw == 2 {
                        // The zoo's 1×2×2 pools: the four taps in window order in one pass
                        // (the general loop below re-reads and re-stores the sums per tap).
                        let r0 = volume + (z &* g.sd &* g.ih &+ y &* g.sh) &* g.iw, r1 = r0 + g.iw
                        for x in 0..<ow {
                            var sum: Float = 0
                            sum += xScale * Int8Math.float(Int32(r0[2 &* x]) &- xZeroPoint)
                            sum += xScale * Int8Math.float(Int32(r0[2 &* x &+ 1]) &- xZeroPoint)
                            sum += xScale * Int8Math.float(Int32(r1[2 &* x]) &- xZeroPoint)
                            sum += xScale * Int8Math.float(Int32(r1[2 &* x &+ 1]) &- xZeroPoint)
                            out[x] = Int8Math.round(sum / count / yScale + zp, zeroPoint: 0)
                        }
                        out += ow
                        continue
                    }
                    for x in 0..<ow { sums[x] = 0 }
                    for a in 0..<kd {
                        for b in 0..<kh {
                            let line = volume + ((z &* g.sd &+ a) &* g.ih &+ y &* g.sh &+ b) &* g.iw
                            for e in 0..<kw {
                                let tap = line + e
                                if sw == 2 {
                                    for x in 0..<ow { sums[x] += xScale * Int8Math.float(Int32(tap[2 &* x]) &- xZeroPoint) }
                                } else {
                                    for x in 0..<ow { sums[x] += xScale * Int8Math.float(Int32(tap[x &* sw]) &- xZeroPoint) }
                                }
                            }
                        }
                    }
                    for x in 0..<ow { out[x] = Int8Math.round(sums[x] / count / yScale + zp, zeroPoint: 0) }
                    out += ow
                }
            }
        }
    }

    /// Mean of each of `outputs` contiguous runs of `count` values (a mean over trailing axes).
    public static func meanTrailing(outputs: Int, count: Int, input: UnsafePointer<Int8>,
                                    xScale: Float, xZeroPoint: Int32, yScale: Float, yZeroPoint: Int32,
                                    output: UnsafeMutablePointer<Int8>) {
        let multiplier = xScale / Int8Math.float(Int32(count)) / yScale
        let offset = Int32(count) &* xZeroPoint
        for j in 0..<outputs {
            let run = input + j &* count
            var sum: Int32 = 0
            for i in 0..<count { sum &+= Int32(run[i]) }
            output[j] = Int8Math.round(Int8Math.float(sum &- offset) * multiplier, zeroPoint: yZeroPoint)
        }
    }

    /// The fast path: for each output row `(channel, z, y)` the `kd·kh` input rows of its windows
    /// are first reduced element-wise into `row` (`rowSpan` values, a loop the compiler
    /// vectorises), then `body(output row, row)` reduces `kw` neighbours per output.
    @inline(__always)
    static func rows<T>(_ g: Int8PoolGeometry, input: UnsafePointer<Int8>, row: UnsafeMutablePointer<T>, initial: T,
                        output: UnsafeMutablePointer<Int8>, combine: (T, Int8) -> T,
                        _ body: (UnsafeMutablePointer<Int8>, UnsafeMutablePointer<T>) -> Void) {
        let span = g.rowSpan
        var out = output
        for c in 0..<g.channels {
            let volume = input + c &* g.id &* g.ih &* g.iw
            for z in 0..<g.od {
                for y in 0..<g.oh {
                    row.update(repeating: initial, count: span)
                    for a in 0..<g.kd {
                        for b in 0..<g.kh {
                            let line = volume + ((z &* g.sd &+ a) &* g.ih &+ y &* g.sh &+ b) &* g.iw
                            for i in 0..<span { row[i] = combine(row[i], line[i]) }
                        }
                    }
                    body(out, row)
                    out += g.ow
                }
            }
        }
    }

    /// The general walk (padding, partial windows): `visit(plane, d, h, w ranges)` per output in order.
    @inline(__always)
    static func walk(_ g: Int8PoolGeometry, input: UnsafePointer<Int8>,
                     _ visit: (UnsafePointer<Int8>, Int, Int, Int, Int, Int, Int) -> Void) {
        for c in 0..<g.channels {
            let plane = input + c &* g.id &* g.ih &* g.iw
            for z in 0..<g.od {
                let d0 = z &* g.sd &- g.pd
                let dLo = Swift.max(d0, 0), dHi = Swift.max(Swift.min(d0 &+ g.kd, g.id), dLo)
                for y in 0..<g.oh {
                    let h0 = y &* g.sh &- g.ph
                    let hLo = Swift.max(h0, 0), hHi = Swift.max(Swift.min(h0 &+ g.kh, g.ih), hLo)
                    for x in 0..<g.ow {
                        let w0 = x &* g.sw &- g.pw
                        let wLo = Swift.max(w0, 0), wHi = Swift.max(Swift.min(w0 &+ g.kw, g.iw), wLo)
                        visit(plane, dLo, dHi, hLo, hHi, wLo, wHi)
                    }
                }
            }
        }
    }
}
