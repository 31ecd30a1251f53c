import Dispatch
import Synchronization
import TensorCore

/// Fast FP32 convolutions: im2col/vol2col over tiles of output rows, then `cblas_sgemm`.
///
/// The column matrix of a whole PhysNet layer would be hundreds of MB, so it is built for a tile
/// of output rows at a time (a few MB, cache-sized) and the product is written straight into the
/// output with `ldc` = output volume. Work items (batch × group × tile) are spread over
/// `threads` workers, each with its own scratch; call with BLAS set to one thread.
public enum FP32Conv {
    /// Target size of one column tile, in floats (4 MB).
    public static let tileFloats = 1 << 20

    /// Output rows (d·h pairs) per tile for this geometry.
    public static func rowsPerTile(_ g: ConvGeometry) -> Int {
        let rows = g.output[0] * g.output[1]
        return max(1, min(rows, tileFloats / max(1, g.patchSize * g.output[2])))
    }

    /// Scratch floats one worker needs for `conv`.
    public static func scratchFloats(_ g: ConvGeometry) -> Int {
        g.isPointwise ? 0 : g.patchSize * rowsPerTile(g) * g.output[2]
    }

    /// `y = conv(x, w) + bias`. `scratch` holds `threads × scratchFloats(g)` floats.
    public static func conv(_ g: ConvGeometry, x: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                            bias: UnsafePointer<Float>?, y: UnsafeMutablePointer<Float>,
                            scratch: UnsafeMutablePointer<Float>?, threads: Int) {
        let outVol = g.outputVolume, inVol = g.inputVolume
        let cog = g.outGroupChannels, cig = g.inGroupChannels, k = g.patchSize
        if g.isPointwise {
            // The input already is the column matrix; split columns over workers.
            let chunk = max(256, (outVol + threads - 1) / max(1, threads))
            let chunks = (outVol + chunk - 1) / chunk
            let items = g.batch * g.groups * chunks
            run(items, threads: threads) { item, _ in
                let c = item % chunks, ng = item / chunks
                let n = ng / g.groups, grp = ng % g.groups
                let c0 = c * chunk, cols = min(chunk, outVol - c0)
                BLAS.sgemm(m: cog, n: cols, k: cig, a: weight + grp * cog * k, lda: k,
                           b: x + (n * g.inChannels + grp * cig) * inVol + c0, ldb: inVol,
                           c: y + (n * g.outChannels + grp * cog) * outVol + c0, ldc: outVol)
            }
        } else {
            let rows = g.output[0] * g.output[1], tileRows = rowsPerTile(g)
            let tiles = (rows + tileRows - 1) / tileRows
            let perWorker = scratchFloats(g)
            run(g.batch * g.groups * tiles, threads: threads) { item, worker in
                let t = item % tiles, ng = item / tiles
                let n = ng / g.groups, grp = ng % g.groups
                let r0 = t * tileRows, r1 = min(rows, r0 + tileRows)
                let col = scratch! + worker * perWorker
                im2col(g, x: x + (n * g.inChannels + grp * cig) * inVol, rows: r0..<r1, col: col)
                let cols = (r1 - r0) * g.output[2]
                BLAS.sgemm(m: cog, n: cols, k: k, a: weight + grp * cog * k, lda: k, b: col, ldb: cols,
                           c: y + (n * g.outChannels + grp * cog) * outVol + r0 * g.output[2], ldc: outVol)
            }
        }
        if let bias {
            addChannelBias(y, bias: bias, batch: g.batch, channels: g.outChannels, volume: outVol)
        }
    }

    /// Column matrix of one group for output rows `rows` (row = od·oh index): `[patchSize, rows·ow]`.
    @inlinable public static func im2col(_ g: ConvGeometry, x: UnsafePointer<Float>, rows: Range<Int>,
                                         col: UnsafeMutablePointer<Float>) {
        let (id, ih, iw) = (g.input[0], g.input[1], g.input[2])
        let (oh, ow) = (g.output[1], g.output[2])
        let (kd, kh, kw) = (g.kernel[0], g.kernel[1], g.kernel[2])
        let (sd, sh, sw) = (g.stride[0], g.stride[1], g.stride[2])
        let (pd, ph, pw) = (g.padsBegin[0], g.padsBegin[1], g.padsBegin[2])
        let (dd, dh, dw) = (g.dilation[0], g.dilation[1], g.dilation[2])
        let cols = rows.count * ow
        var rowIndex = 0
        for ci in 0..<g.inGroupChannels {
            let plane = x + ci * id * ih * iw
            for a in 0..<kd { for b in 0..<kh { for c in 0..<kw {
                let dst = col + rowIndex * cols
                rowIndex += 1
                // Output columns whose source column lies inside the input.
                let off = c * dw - pw
                var lo = 0
                while lo < ow && lo * sw + off < 0 { lo += 1 }
                var hi = ow
                while hi > lo && (hi - 1) * sw + off >= iw { hi -= 1 }
                var o = 0
                for r in rows {
                    let z = r / oh, yy = r - z * oh
                    let sz = z * sd - pd + a * dd, sy = yy * sh - ph + b * dh
                    let out = dst + o
                    o += ow
                    if sz < 0 || sz >= id || sy < 0 || sy >= ih {
                        out.update(repeating: 0, count: ow)
                        continue
                    }
                    let src = plane + (sz * ih + sy) * iw + off
                    for xx in 0..<lo { out[xx] = 0 }
                    if sw == 1 {
                        if hi > lo { (out + lo).update(from: src + lo, count: hi - lo) }
                    } else {
                        for xx in lo..<hi { out[xx] = src[xx * sw] }
                    }
                    for xx in hi..<ow { out[xx] = 0 }
                }
            } } }
        }
    }

    /// Scratch floats for `convTranspose` per worker.
    public static func transposeScratchFloats(_ g: ConvGeometry) -> Int {
        let inRows = g.output[0] * g.output[1]
        return g.inGroupChannels * g.kernelVolume * tileRowsTranspose(g) * g.output[2] + 0 * inRows
    }

    static func tileRowsTranspose(_ g: ConvGeometry) -> Int {
        let rows = g.output[0] * g.output[1]
        return max(1, min(rows, tileFloats / max(1, g.inGroupChannels * g.kernelVolume * g.output[2])))
    }

    /// Transposed convolution as GEMM + col2im. `g` is the forward convolution this transposes
    /// (see `ConvReference.convTranspose`). Parallel over batch × group.
    public static func convTranspose(_ g: ConvGeometry, x: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                     bias: UnsafePointer<Float>?, y: UnsafeMutablePointer<Float>,
                                     scratch: UnsafeMutablePointer<Float>, threads: Int) {
        let yVol = g.inputVolume, xVol = g.outputVolume
        let outGC = g.inGroupChannels, inGC = g.outGroupChannels, kv = g.kernelVolume
        let m = outGC * kv
        let rows = g.output[0] * g.output[1], tileRows = tileRowsTranspose(g)
        let perWorker = transposeScratchFloats(g)
        run(g.batch * g.groups, threads: threads) { ng, worker in
            let n = ng / g.groups, grp = ng % g.groups
            let yBase = y + (n * g.inChannels + grp * outGC) * yVol
            for co in 0..<outGC {
                (yBase + co * yVol).update(repeating: bias?[grp * outGC + co] ?? 0, count: yVol)
            }
            let col = scratch + worker * perWorker
            var r0 = 0
            while r0 < rows {
                let r1 = min(rows, r0 + tileRows), cols = (r1 - r0) * g.output[2]
                BLAS.sgemm(transposeA: true, m: m, n: cols, k: inGC, a: weight + grp * inGC * m, lda: m,
                           b: x + (n * g.outChannels + grp * inGC) * xVol + r0 * g.output[2], ldb: xVol,
                           c: col, ldc: cols)
                col2im(g, col: col, rows: r0..<r1, y: yBase)
                r0 = r1
            }
        }
    }

    /// Scatter-adds a column tile back into the (transposed conv's) output of one group.
    @inlinable static func col2im(_ g: ConvGeometry, col: UnsafePointer<Float>, rows: Range<Int>,
                                  y: UnsafeMutablePointer<Float>) {
        let (id, ih, iw) = (g.input[0], g.input[1], g.input[2])
        let (oh, ow) = (g.output[1], g.output[2])
        let (kd, kh, kw) = (g.kernel[0], g.kernel[1], g.kernel[2])
        let cols = rows.count * ow
        var rowIndex = 0
        for ci in 0..<g.inGroupChannels {
            let plane = y + ci * id * ih * iw
            for a in 0..<kd { for b in 0..<kh { for c in 0..<kw {
                let src = col + rowIndex * cols
                rowIndex += 1
                var o = 0
                for r in rows {
                    let z = r / oh, yy = r - z * oh
                    let sz = z * g.stride[0] - g.padsBegin[0] + a * g.dilation[0]
                    let sy = yy * g.stride[1] - g.padsBegin[1] + b * g.dilation[1]
                    defer { o += ow }
                    if sz < 0 || sz >= id || sy < 0 || sy >= ih { continue }
                    let dst = plane + (sz * ih + sy) * iw
                    for xx in 0..<ow {
                        let sx = xx * g.stride[2] - g.padsBegin[2] + c * g.dilation[2]
                        if sx >= 0 && sx < iw { dst[sx] += src[o + xx] }
                    }
                }
            } } }
        }
    }

    /// `y[n, c, :] += bias[c]`.
    public static func addChannelBias(_ y: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>,
                                      batch: Int, channels: Int, volume: Int) {
        for n in 0..<batch {
            for c in 0..<channels {
                let p = y + (n * channels + c) * volume, b = bias[c]
                for i in 0..<volume { p[i] += b }
            }
        }
    }

    /// Runs `count` items over at most `threads` workers; `body(item, worker)`. Workers claim
    /// items one at a time from a shared counter, so a worker that starts late (its core busy
    /// with another process) costs nothing: the others take its share.
    public static func run(_ count: Int, threads: Int, _ body: (Int, Int) -> Void) {
        let workers = max(1, min(threads, count))
        if workers == 1 {
            for i in 0..<count { body(i, 0) }
            return
        }
        let next = Atomic<Int>(0)
        withoutActuallyEscaping(body) { body in
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                while true {
                    let i = next.add(1, ordering: .relaxed).oldValue
                    if i >= count { break }
                    body(i, w)
                }
            }
        }
    }
}
