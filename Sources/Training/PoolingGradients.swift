import Kernels
import NN

/// Max, average, adaptive-average and global-average pooling over 1–3 spatial axes, forward
/// and backward. Windows are described per output cell as [start, end) ranges per axis.
enum PoolingGradients {
    struct Windows {
        var input: [Int]                 // spatial, lifted to 3
        var output: [Int]
        var starts: [[Int]]              // per axis, per output index (may be negative: padding)
        var ends: [[Int]]                // exclusive, unclipped
        var divisors: [[Int]]?           // countIncludePad: per axis padded window length
        var channels: Int                // N·C planes
    }

    /// `a` with unit axes prepended to 3 entries (pooling over 1–3 axes as 3-D).
    static func lift(_ a: [Int], fill: Int) -> [Int] { Array(repeating: fill, count: 3 - a.count) + a }

    static func poolOutput(_ size: Int, kernel: Int, stride: Int, padBegin: Int, padEnd: Int, ceil: Bool) -> Int {
        let span = size + padBegin + padEnd - kernel
        var out = (ceil ? (span + stride - 1) / stride : span / stride) + 1
        // PyTorch: the last window must start inside the input or the left padding.
        if ceil && (out - 1) * stride >= size + padBegin { out -= 1 }
        return out
    }

    static func windows(xShape: [Int], _ a: PoolAttributes) throws -> Windows {
        let r = a.kernel.count
        guard xShape.count == r + 2 else { throw TrainingError.shapeMismatch("pool: input \(xShape) is not \(r)-d") }
        let spatial = Array(xShape[2...])
        var starts: [[Int]] = [], ends: [[Int]] = [], divs: [[Int]] = [], out: [Int] = []
        for i in 0..<r {
            let o = poolOutput(spatial[i], kernel: a.kernel[i], stride: a.stride[i], padBegin: a.padsBegin[i],
                               padEnd: a.padsEnd[i], ceil: a.ceilMode)
            guard o > 0 else { throw TrainingError.shapeMismatch("pool: empty output for input \(xShape)") }
            out.append(o)
            let s = (0..<o).map { $0 * a.stride[i] - a.padsBegin[i] }
            starts.append(s)
            ends.append(s.map { $0 + a.kernel[i] })
            divs.append(s.map { min($0 + a.kernel[i], spatial[i] + a.padsEnd[i]) - $0 })
        }
        let pad = 3 - r
        return Windows(input: lift(spatial, fill: 1), output: lift(out, fill: 1),
                       starts: Array(repeating: [0], count: pad) + starts, ends: Array(repeating: [1], count: pad) + ends,
                       divisors: a.countIncludePad ? Array(repeating: [1], count: pad) + divs : nil,
                       channels: xShape[0] * xShape[1])
    }

    /// PyTorch adaptive pooling windows: start = ⌊i·in/out⌋, end = ⌈(i+1)·in/out⌉.
    static func adaptiveWindows(xShape: [Int], outputSize: [Int]) throws -> Windows {
        let r = outputSize.count
        guard xShape.count >= r + 2 else { throw TrainingError.shapeMismatch("adaptive pool: input \(xShape) vs output \(outputSize)") }
        let lead = xShape.count - r
        guard r <= 3, lead == 2 else { throw TrainingError.shapeMismatch("adaptive pool: expected [N, C, …] input, got \(xShape)") }
        let spatial = Array(xShape[2...])
        var starts: [[Int]] = [], ends: [[Int]] = []
        for i in 0..<r {
            let (n, o) = (spatial[i], outputSize[i])
            starts.append((0..<o).map { ($0 * n) / o })
            ends.append((0..<o).map { (($0 + 1) * n + o - 1) / o })
        }
        let pad = 3 - r
        return Windows(input: lift(spatial, fill: 1), output: lift(outputSize, fill: 1),
                       starts: Array(repeating: [0], count: pad) + starts, ends: Array(repeating: [1], count: pad) + ends,
                       divisors: nil, channels: xShape[0] * xShape[1])
    }

    /// The FP32 kernels' geometry of a pooling whose windows tile the input (`[1, 2, 2]`
    /// without padding, as in TinyPulse): those run on the inference fast path; nil otherwise.
    static func tiling(_ shape: [Int], _ a: PoolAttributes) -> PoolGeometry? {
        guard shape.count == a.kernel.count + 2 else { return nil }
        let g = PoolGeometry(planes: shape[0] * shape[1], inputSpatial: Array(shape[2...]), kernel: a.kernel,
                             stride: a.stride, padsBegin: a.padsBegin, padsEnd: a.padsEnd, ceilMode: a.ceilMode)
        return FP32Pool.isTiling(g) ? g : nil
    }

    static func tileAverageForward(_ x: Activation, _ g: PoolGeometry, rank: Int) -> Activation {
        var y = Activation(overwriting: Array(x.shape[..<2]) + Array(g.output.suffix(rank)))
        x.data.withUnsafeBufferPointer { xp in
            y.data.withUnsafeMutableBufferPointer { FP32Pool.pool(g, isMax: false, countIncludePad: false, x: xp.baseAddress!, y: $0.baseAddress!) }
        }
        return y
    }

    /// ``maxForward(_:_:outShape:)`` for tiling windows: the same scan order and rules (first
    /// maximum; a NaN wins and ends its row), without the per-window closure and clipping, which
    /// took 6 % of a PhysNet step.
    static func tileMaxForward(_ x: Activation, _ g: PoolGeometry, rank: Int) -> (Activation, [Int32]) {
        var y = Activation(overwriting: Array(x.shape[..<2]) + Array(g.output.suffix(rank)))
        var arg = [Int32](repeating: -1, count: y.count)
        let (ih, iw) = (g.input[1], g.input[2]), inVol = g.input[0] * ih * iw
        let (od, oh, ow) = (g.output[0], g.output[1], g.output[2])
        let (kd, kh, kw) = (g.kernel[0], g.kernel[1], g.kernel[2])
        x.data.withUnsafeBufferPointer { xp in
            y.data.withUnsafeMutableBufferPointer { yp in
                arg.withUnsafeMutableBufferPointer { ap in
                    var o = 0
                    for plane in 0..<g.planes {
                        let src = xp.baseAddress! + plane * inVol
                        for z in 0..<od { for yy in 0..<oh { for xx in 0..<ow {
                            var best = -Float.infinity, at = -1
                            for a in 0..<kd {
                                for b in 0..<kh {
                                    let base = ((z * kd + a) * ih + yy * kh + b) * iw + xx * kw
                                    for c in 0..<kw where src[base + c] > best || src[base + c].isNaN || at < 0 {
                                        best = src[base + c]; at = base + c
                                        if best.isNaN { break }
                                    }
                                }
                            }
                            yp[o] = best
                            ap[o] = Int32(at)
                            o += 1
                        } } }
                    }
                }
            }
        }
        return (y, arg)
    }

    static func tileAverageBackward(_ dy: Activation, _ g: PoolGeometry, inShape: [Int]) -> Activation {
        var dx = Activation(zeros: inShape)
        dy.data.withUnsafeBufferPointer { gp in
            dx.data.withUnsafeMutableBufferPointer { FP32Pool.tileAverageGradient(g, dy: gp.baseAddress!, dx: $0.baseAddress!) }
        }
        return dx
    }

    /// Calls `body(outIndex, d0..<d1, h0..<h1, w0..<w1, divisor)` for every output cell of one plane.
    @inline(__always)
    static func forEachWindow(_ w: Windows, _ body: (Int, Range<Int>, Range<Int>, Range<Int>, Int) -> Void) {
        var o = 0
        for od in 0..<w.output[0] {
            let d0 = max(0, w.starts[0][od]), d1 = min(w.input[0], w.ends[0][od])
            for oh in 0..<w.output[1] {
                let h0 = max(0, w.starts[1][oh]), h1 = min(w.input[1], w.ends[1][oh])
                for ow in 0..<w.output[2] {
                    let w0 = max(0, w.starts[2][ow]), w1 = min(w.input[2], w.ends[2][ow])
                    let div: Int
                    if let dv = w.divisors { div = dv[0][od] * dv[1][oh] * dv[2][ow] } else {
                        div = max(1, (d1 - d0) * (h1 - h0) * (w1 - w0))
                    }
                    body(o, d0..<d1, h0..<h1, w0..<w1, div)
                    o += 1
                }
            }
        }
    }

    static func averageForward(_ x: Activation, _ w: Windows, outShape: [Int]) -> Activation {
        var y = Activation(zeros: outShape)
        let inVol = w.input[0] * w.input[1] * w.input[2]
        let outVol = w.output[0] * w.output[1] * w.output[2]
        let (iH, iW) = (w.input[1], w.input[2])
        x.data.withUnsafeBufferPointer { xp in
            y.data.withUnsafeMutableBufferPointer { yp in
                for plane in 0..<w.channels {
                    let src = xp.baseAddress! + plane * inVol
                    let dst = yp.baseAddress! + plane * outVol
                    forEachWindow(w) { o, ds, hs, ws, div in
                        var acc: Float = 0
                        for d in ds { for h in hs { let row = src + (d * iH + h) * iW; for x in ws { acc += row[x] } } }
                        dst[o] = acc / Float(div)
                    }
                }
            }
        }
        return y
    }

    static func averageBackward(_ dy: Activation, _ w: Windows, inShape: [Int]) -> Activation {
        var dx = Activation(zeros: inShape)
        let inVol = w.input[0] * w.input[1] * w.input[2]
        let outVol = w.output[0] * w.output[1] * w.output[2]
        let (iH, iW) = (w.input[1], w.input[2])
        dy.data.withUnsafeBufferPointer { gp in
            dx.data.withUnsafeMutableBufferPointer { xp in
                for plane in 0..<w.channels {
                    let src = gp.baseAddress! + plane * outVol
                    let dst = xp.baseAddress! + plane * inVol
                    forEachWindow(w) { o, ds, hs, ws, div in
                        let g = src[o] / Float(div)
                        for d in ds { for h in hs { let row = dst + (d * iH + h) * iW; for x in ws { row[x] += g } } }
                    }
                }
            }
        }
        return dx
    }

    /// Max pooling; also returns the flat input index of each maximum (first one on ties, as PyTorch).
    static func maxForward(_ x: Activation, _ w: Windows, outShape: [Int]) -> (Activation, [Int32]) {
        var y = Activation(zeros: outShape)
        var arg = [Int32](repeating: -1, count: y.count)
        let inVol = w.input[0] * w.input[1] * w.input[2]
        let outVol = w.output[0] * w.output[1] * w.output[2]
        let (iH, iW) = (w.input[1], w.input[2])
        x.data.withUnsafeBufferPointer { xp in
            y.data.withUnsafeMutableBufferPointer { yp in
                arg.withUnsafeMutableBufferPointer { ap in
                    for plane in 0..<w.channels {
                        let src = xp.baseAddress! + plane * inVol
                        forEachWindow(w) { o, ds, hs, ws, _ in
                            var best = -Float.infinity, at = -1
                            for d in ds {
                                for h in hs {
                                    let base = (d * iH + h) * iW
                                    for x in ws where src[base + x] > best || src[base + x].isNaN || at < 0 {
                                        best = src[base + x]; at = base + x
                                        if best.isNaN { break }
                                    }
                                }
                            }
                            yp[plane * outVol + o] = best
                            ap[plane * outVol + o] = Int32(at)
                        }
                    }
                }
            }
        }
        return (y, arg)
    }

    static func maxBackward(_ dy: Activation, argmax: [Int32], _ w: Windows, inShape: [Int]) -> Activation {
        var dx = Activation(zeros: inShape)
        let inVol = w.input[0] * w.input[1] * w.input[2]
        let outVol = w.output[0] * w.output[1] * w.output[2]
        for plane in 0..<w.channels {
            for o in 0..<outVol {
                let a = Int(argmax[plane * outVol + o])
                if a >= 0 { dx.data[plane * inVol + a] += dy.data[plane * outVol + o] }
            }
        }
        return dx
    }
}
