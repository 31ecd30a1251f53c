/// Pooling over NC(D)(H)W tensors, normalised to 3-D like `ConvGeometry` (channels fold into batch).
public struct PoolGeometry: Hashable, Sendable {
    /// batch × channels.
    public var planes: Int
    public var input: [Int]
    public var output: [Int]
    public var kernel: [Int]
    public var stride: [Int]
    public var padsBegin: [Int]
    public var padsEnd: [Int]

    public init(planes: Int, inputSpatial: [Int], kernel: [Int], stride: [Int], padsBegin: [Int],
                padsEnd: [Int], ceilMode: Bool) {
        let lift = { (v: [Int], fill: Int) in Array(repeating: fill, count: 3 - v.count) + v }
        self.planes = planes
        self.input = lift(inputSpatial, 1)
        self.kernel = lift(kernel, 1)
        self.stride = lift(stride, 1)
        self.padsBegin = lift(padsBegin, 0)
        self.padsEnd = lift(padsEnd, 0)
        let (i, k, s, pb, pe) = (self.input, self.kernel, self.stride, self.padsBegin, self.padsEnd)
        self.output = (0..<3).map { a in
            let span = i[a] + pb[a] + pe[a] - k[a]
            var o = (ceilMode ? (span + s[a] - 1) / s[a] : span / s[a]) + 1
            // PyTorch/ONNX: the last window must start inside the input or left padding.
            if ceilMode && (o - 1) * s[a] >= i[a] + pb[a] { o -= 1 }
            return o
        }
    }
}

/// Max and average pooling, and PyTorch's adaptive average pooling.
public enum FP32Pool {
    /// Max (`isMax`) or average pooling. Average divides by the window clipped to the input,
    /// or (countIncludePad) to the padded input, as PyTorch/ONNX.
    public static func pool(_ g: PoolGeometry, isMax: Bool, countIncludePad: Bool,
                            x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
        if isTiling(g) {
            poolTiles(g, isMax: isMax, x: x, y: y)
            return
        }
        let (id, ih, iw) = (g.input[0], g.input[1], g.input[2])
        let (od, oh, ow) = (g.output[0], g.output[1], g.output[2])
        for p in 0..<g.planes {
            let src = x + p * id * ih * iw
            var dst = y + p * od * oh * ow
            for z in 0..<od {
                let z0 = z * g.stride[0] - g.padsBegin[0], z1 = min(z0 + g.kernel[0], id + g.padsEnd[0])
                for yy in 0..<oh {
                    let y0 = yy * g.stride[1] - g.padsBegin[1], y1 = min(y0 + g.kernel[1], ih + g.padsEnd[1])
                    for xx in 0..<ow {
                        let x0 = xx * g.stride[2] - g.padsBegin[2], x1 = min(x0 + g.kernel[2], iw + g.padsEnd[2])
                        let padded = (z1 - z0) * (y1 - y0) * (x1 - x0)
                        var acc: Float = isMax ? -.infinity : 0
                        for a in max(0, z0)..<min(z1, id) {
                            for b in max(0, y0)..<min(y1, ih) {
                                let row = src + (a * ih + b) * iw
                                for c in max(0, x0)..<min(x1, iw) {
                                    acc = isMax ? max(acc, row[c]) : acc + row[c]
                                }
                            }
                        }
                        if !isMax {
                            let inside = (min(z1, id) - max(0, z0)) * (min(y1, ih) - max(0, y0))
                                * (min(x1, iw) - max(0, x0))
                            acc /= Float(countIncludePad ? padded : max(1, inside))
                        }
                        dst.pointee = acc
                        dst += 1
                    }
                }
            }
        }
    }

    /// True when the windows tile the input without padding or overlap (stride = kernel), as in
    /// the `[1, 2, 2]` / `[2, 2, 2]` pools of rPPG models: every window is whole.
    public static func isTiling(_ g: PoolGeometry) -> Bool {
        g.stride == g.kernel && g.padsBegin == [0, 0, 0] && g.padsEnd == [0, 0, 0]
            && (0..<3).allSatisfy { g.output[$0] * g.kernel[$0] <= g.input[$0] }
    }

    /// `pool` for tiling windows: the window's rows are combined element-wise first (contiguous,
    /// vectorised), then each group of `kw` neighbours. Average divides by the window volume.
    static func poolTiles(_ g: PoolGeometry, isMax: Bool, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
        let (id, ih, iw) = (g.input[0], g.input[1], g.input[2])
        let (od, oh, ow) = (g.output[0], g.output[1], g.output[2])
        let (kd, kh, kw) = (g.kernel[0], g.kernel[1], g.kernel[2])
        let width = ow * kw, volume = Float(kd * kh * kw)
        withUnsafeTemporaryAllocation(of: Float.self, capacity: max(1, width)) { buffer in
            let t = buffer.baseAddress!
            for p in 0..<g.planes {
                let src = x + p * id * ih * iw
                var dst = y + p * od * oh * ow
                for z in 0..<od {
                    for yy in 0..<oh {
                        if !isMax {
                            // Averages sum each window in window order (depth, row, column), as
                            // the window loop and the int8 engine's QLinearAveragePool form do:
                            // QAT's fake-quant forward must round the same ties as the engine.
                            for xx in 0..<ow { t[xx] = 0 }
                            for a in 0..<kd { for b in 0..<kh {
                                let row = src + ((z * kd + a) * ih + yy * kh + b) * iw
                                if kw == 2 {
                                    for xx in 0..<ow { t[xx] = t[xx] + row[2 * xx] + row[2 * xx + 1] }
                                } else {
                                    for xx in 0..<ow { for c in 0..<kw { t[xx] += row[xx * kw + c] } }
                                }
                            } }
                            for xx in 0..<ow { dst[xx] = t[xx] / volume }
                            dst += ow
                            continue
                        }
                        t.update(from: src + (z * kd * ih + yy * kh) * iw, count: width)
                        for a in 0..<kd {
                            for b in 0..<kh where a + b > 0 {
                                let row = src + ((z * kd + a) * ih + yy * kh + b) * iw
                                if isMax {
                                    for i in 0..<width { t[i] = max(t[i], row[i]) }
                                } else {
                                    for i in 0..<width { t[i] += row[i] }
                                }
                            }
                        }
                        if kw == 2 {
                            // The common case, as a loop LLVM vectorises (even/odd lanes).
                            if isMax {
                                for xx in 0..<ow { dst[xx] = max(t[2 * xx], t[2 * xx + 1]) }
                            } else {
                                for xx in 0..<ow { dst[xx] = (t[2 * xx] + t[2 * xx + 1]) / volume }
                            }
                        } else if isMax {
                            for xx in 0..<ow {
                                var acc = t[xx * kw]
                                for c in 1..<kw { acc = max(acc, t[xx * kw + c]) }
                                dst[xx] = acc
                            }
                        } else {
                            for xx in 0..<ow {
                                var acc = t[xx * kw]
                                for c in 1..<kw { acc += t[xx * kw + c] }
                                dst[xx] = acc / volume
                            }
                        }
                        dst += ow
                    }
                }
            }
        }
    }

    /// The input gradient of average pooling over tiling windows (`isTiling(g)`): every input
    /// element of a window receives `dy / window volume`; `dx` must be zero beforehand (inputs
    /// past the last whole window get no gradient). Twin: the generic window loop of training.
    public static func tileAverageGradient(_ g: PoolGeometry, dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>) {
        let (id, ih, iw) = (g.input[0], g.input[1], g.input[2])
        let (od, oh, ow) = (g.output[0], g.output[1], g.output[2])
        let (kd, kh, kw) = (g.kernel[0], g.kernel[1], g.kernel[2])
        // Divided, not multiplied by the reciprocal: the same rounding as the window loop.
        let volume = Float(kd * kh * kw)
        for p in 0..<g.planes {
            let src = dy + p * od * oh * ow, dst = dx + p * id * ih * iw
            for z in 0..<od { for a in 0..<kd { for yy in 0..<oh { for b in 0..<kh {
                let row = dst + ((z * kd + a) * ih + yy * kh + b) * iw, grad = src + (z * oh + yy) * ow
                if kw == 2 {
                    // The common case, as a loop LLVM vectorises (interleaved stores).
                    for xx in 0..<ow { let v = grad[xx] / volume; row[2 * xx] = v; row[2 * xx + 1] = v }
                } else {
                    for xx in 0..<ow { let v = grad[xx] / volume; for c in 0..<kw { row[xx * kw + c] = v } }
                }
            } } } }
        }
    }

    /// PyTorch adaptive average pooling: output cell i covers `[floor(i·in/out), ceil((i+1)·in/out))`.
    public static func adaptiveAverage(planes: Int, input: [Int], output: [Int],
                                       x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
        let lift = { (v: [Int]) in Array(repeating: 1, count: 3 - v.count) + v }
        let inp = lift(input), out = lift(output)
        let range = { (i: Int, a: Int) -> Range<Int> in
            (i * inp[a] / out[a])..<((i + 1) * inp[a] + out[a] - 1) / out[a]
        }
        var dst = y
        for p in 0..<planes {
            let src = x + p * inp[0] * inp[1] * inp[2]
            for z in 0..<out[0] { for yy in 0..<out[1] { for xx in 0..<out[2] {
                let rz = range(z, 0), ry = range(yy, 1), rx = range(xx, 2)
                var acc: Float = 0
                for a in rz { for b in ry { for c in rx { acc += src[(a * inp[1] + b) * inp[2] + c] } } }
                dst.pointee = acc / Float(rz.count * ry.count * rx.count)
                dst += 1
            } } }
        }
    }
}
