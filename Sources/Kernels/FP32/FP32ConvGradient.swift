import FP32AVX2
import FP32AVX512
import TensorCore

/// Backward passes of an FP32 convolution `y = conv(x, w)` with geometry `g`, for training:
/// the input gradient (a transposed convolution of `dy`) and the weight gradient (a correlation
/// of `x` with `dy`). Twins: `ConvReference.convTranspose` and `ConvReference.weightGradient`.
///
/// Fast paths, chosen per geometry like the forward's (`FP32DirectConv.path`):
/// - input gradient of a stride-1 convolution: the forward direct kernel itself, on the flipped,
///   channel-swapped weights with `k − 1 − pad` padding; otherwise GEMM + col2im
///   (`FP32Conv.convTranspose`, the FP32 executor's ConvTranspose).
/// - weight gradient of a stride-1 convolution: `rppgFP32ShiftCorrelation` (AVX-512 / AVX2) on
///   the padded layout of the direct kernel, where each tap's im2col row is the padded input
///   shifted; otherwise (portable path, strides, groups, dilation) im2col tiles + sgemm.
///
/// Both are deterministic: every partial sum has a fixed owner and is added in a fixed order, so
/// the result does not depend on `threads` or on scheduling. Call with BLAS set to one thread.
public enum FP32ConvGradient {
    // MARK: Input gradient

    /// The stride-1 convolution that maps `dy` to `dx`, or nil where `g` has none the direct
    /// kernel runs (strides, dilation, groups, or padding wider than the kernel).
    public static func inputGradientGeometry(_ g: ConvGeometry) -> ConvGeometry? {
        guard g.groups == 1, g.stride == [1, 1, 1], g.dilation == [1, 1, 1] else { return nil }
        let begin = (0..<3).map { g.kernel[$0] - 1 - g.padsBegin[$0] }
        let end = (0..<3).map { g.input[$0] - g.output[$0] + g.padsBegin[$0] }
        guard begin.allSatisfy({ $0 >= 0 }), end.allSatisfy({ $0 >= 0 }) else { return nil }
        let t = ConvGeometry(batch: g.batch, inChannels: g.outChannels, outChannels: g.inChannels, groups: 1,
                             inputSpatial: g.output, kernel: g.kernel, stride: [1, 1, 1], padsBegin: begin,
                             padsEnd: end, dilation: [1, 1, 1])
        return t.output == g.input && FP32DirectConv.supports(t) ? t : nil
    }

    /// Scratch floats ``inputGradient(_:dy:weight:dx:scratch:threads:)`` needs.
    public static func inputGradientScratchFloats(_ g: ConvGeometry, threads: Int) -> Int {
        if let t = inputGradientGeometry(g) { return FP32DirectConv.scratchFloats(t, threads: threads) }
        return max(1, min(threads, g.batch * g.groups)) * FP32Conv.transposeScratchFloats(g)
    }

    /// `dx = convTranspose(dy, w)` (overwrites `dx`, `[N, Cin, input…]`); `weight` is the forward's
    /// `[Cout, Cin/groups, k…]`.
    public static func inputGradient(_ g: ConvGeometry, dy: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                     dx: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>, threads: Int) {
        guard let t = inputGradientGeometry(g) else {
            FP32Conv.convTranspose(g, x: dy, weight: weight, bias: nil, y: dx, scratch: scratch, threads: threads)
            return
        }
        // w'[ci][co][k] = w[co][ci][flipped k]: the adjoint of a correlation is the correlation
        // with the mirrored kernel.
        let kv = g.kernelVolume, (cin, cout) = (g.inChannels, g.outChannels)
        let flipped = [Float](unsafeUninitializedCapacity: cin * cout * kv) { buffer, count in
            for co in 0..<cout {
                for ci in 0..<cin {
                    let src = weight + (co * cin + ci) * kv, dst = buffer.baseAddress! + (ci * cout + co) * kv
                    for k in 0..<kv { dst[kv - 1 - k] = src[k] }
                }
            }
            count = cin * cout * kv
        }
        let direct = flipped.withUnsafeBufferPointer { FP32DirectConv(t, weight: $0.baseAddress!) }
        direct.run(x: dy, bias: nil, y: dx, activation: nil, scratch: scratch, threads: threads)
    }

    // MARK: Weight gradient

    /// Column blocks of one shifted-correlation call: its 4 rows of `dy` (64 KB) stay in L2 across
    /// all tap groups, and each block ends in one horizontal sum per accumulator (1024 measured
    /// 5 % slower on PhysNet's correlations: more of those sums).
    static let blockFloats = 4096
    /// Fixed work items per sample (and partial sums), independent of `threads` (determinism).
    static let chunks = 8

    /// Whether the weight gradient of `g` runs on the shifted-correlation micro-kernel here.
    public static func hasFastWeightGradient(_ g: ConvGeometry) -> Bool {
        guard FP32DirectConv.path != nil, g.groups == 1, g.stride == [1, 1, 1], g.dilation == [1, 1, 1],
              !g.isPointwise, g.outChannels % rppgFP32CorrelationRows == 0, g.outputVolume > 0 else { return false }
        return FP32DirectConv.fitsPaddedVolume(g)
    }

    /// Lanes and taps per micro-tile of the chosen kernel (both kernels take 4 rows).
    static var lanes: Int { FP32DirectConv.path == .avx512 ? 16 : 8 }
    static var taps: Int { FP32DirectConv.path == .avx512 ? rppgFP32CorrelationTaps : rppgFP32AVX2CorrelationTaps }

    /// The padded layout of one sample: (padded volume, padded plane, padded row, columns of `dy`
    /// in that layout rounded up to whole vectors, taps rounded up to whole micro-tiles).
    static func layout(_ g: ConvGeometry) -> (volume: Int, plane: Int, row: Int, length: Int, taps: Int) {
        let row = g.output[2] + g.kernel[2] - 1, plane = (g.output[1] + g.kernel[1] - 1) * row
        let volume = (g.output[0] + g.kernel[0] - 1) * plane
        let valid = (g.output[0] - 1) * plane + (g.output[1] - 1) * row + g.output[2]
        let t = taps, k = g.patchSize
        return (volume, plane, row, (valid + lanes - 1) / lanes * lanes, (k + t - 1) / t * t)
    }

    /// Scratch floats ``weightGradient(_:x:dy:dw:scratch:threads:)`` needs.
    public static func weightGradientScratchFloats(_ g: ConvGeometry, threads: Int) -> Int {
        if hasFastWeightGradient(g) {
            let l = layout(g)
            return g.inChannels * l.volume + lanes + g.outChannels * l.length + chunks * g.outChannels * l.taps
        }
        return max(1, min(threads, g.batch * g.groups)) * FP32Conv.scratchFloats(g) + g.batch * g.outChannels * g.patchSize
    }

    /// `dw[co][ci][k] = Σ_n Σ_p dy[n][co][p] · x[n][ci][p·stride − pad + k·dilation]` (overwrites
    /// `dw`, `[Cout, Cin/groups, k…]`).
    public static func weightGradient(_ g: ConvGeometry, x: UnsafePointer<Float>, dy: UnsafePointer<Float>,
                                      dw: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>, threads: Int) {
        if hasFastWeightGradient(g) {
            shiftedWeightGradient(g, x: x, dy: dy, dw: dw, scratch: scratch, threads: threads)
        } else {
            columnWeightGradient(g, x: x, dy: dy, dw: dw, scratch: scratch, threads: threads)
        }
    }

    static func shiftedWeightGradient(_ g: ConvGeometry, x: UnsafePointer<Float>, dy: UnsafePointer<Float>,
                                      dw: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>, threads: Int) {
        let l = layout(g), k = g.patchSize, (cin, cout) = (g.inChannels, g.outChannels)
        let (oh, ow) = (g.output[1], g.output[2])
        let padded = scratch, frame = scratch + cin * l.volume + lanes, partials = frame + cout * l.length
        partials.update(repeating: 0, count: chunks * cout * l.taps)
        // Tap offsets into the padded input; the round-up taps read offset 0 and are dropped.
        var offsets = [Int](repeating: 0, count: l.taps)
        var kk = 0
        for ci in 0..<cin {
            for a in 0..<g.kernel[0] { for b in 0..<g.kernel[1] { for c in 0..<g.kernel[2] {
                offsets[kk] = ci * l.volume + a * l.plane + b * l.row + c
                kk += 1
            } } }
        }
        (padded + cin * l.volume).update(repeating: 0, count: lanes)
        let blocks = (l.length + blockFloats - 1) / blockFloats, items = min(chunks, blocks)
        let copyThreads = (cin * l.volume + cout * l.length) >= 1 << 20 ? threads : 1
        offsets.withUnsafeBufferPointer { op in
            for n in 0..<g.batch {
                // Padded input and `dy` in the padded frame (zero where no output position is).
                FP32Conv.run(cin + cout, threads: copyThreads) { i, _ in
                    if i < cin {
                        FP32DirectConv.padChannel(g, x + (n * cin + i) * g.inputVolume, into: padded + i * l.volume)
                        return
                    }
                    let co = i - cin, row = frame + co * l.length, src = dy + (n * cout + co) * g.outputVolume
                    row.update(repeating: 0, count: l.length)
                    for z in 0..<g.output[0] {
                        for yy in 0..<oh { (row + z * l.plane + yy * l.row).update(from: src + (z * oh + yy) * ow, count: ow) }
                    }
                }
                FP32Conv.run(items, threads: threads) { item, _ in
                    let c = partials + item * cout * l.taps
                    for block in (blocks * item / items)..<(blocks * (item + 1) / items) {
                        let m0 = block * blockFloats, length = min(blockFloats, l.length - m0)
                        if FP32DirectConv.path == .avx512 {
                            rppgFP32ShiftCorrelation(frame + m0, l.length, cout / 4, padded + m0, op.baseAddress!,
                                                     l.taps / taps, length, c, l.taps)
                        } else {
                            rppgFP32AVX2ShiftCorrelation(frame + m0, l.length, cout / 4, padded + m0, op.baseAddress!,
                                                         l.taps / taps, length, c, l.taps)
                        }
                    }
                }
            }
        }
        for co in 0..<cout {
            for t in 0..<k {
                var sum: Float = 0
                for item in 0..<items { sum += partials[(item * cout + co) * l.taps + t] }
                dw[co * k + t] = sum
            }
        }
    }

    /// The portable path: per (sample, group), im2col tiles of output rows and one sgemm each,
    /// `dw_grp += dy_tile · colᵀ`, into a partial per (sample, group) summed in order at the end.
    static func columnWeightGradient(_ g: ConvGeometry, x: UnsafePointer<Float>, dy: UnsafePointer<Float>,
                                     dw: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>, threads: Int) {
        let k = g.patchSize, cog = g.outGroupChannels, cig = g.inGroupChannels
        let (inVol, outVol) = (g.inputVolume, g.outputVolume)
        let perWorker = FP32Conv.scratchFloats(g), workers = max(1, min(threads, g.batch * g.groups))
        let partials = scratch + workers * perWorker
        let rows = g.output[0] * g.output[1], tileRows = FP32Conv.rowsPerTile(g)
        FP32Conv.run(g.batch * g.groups, threads: threads) { item, worker in
            let n = item / g.groups, grp = item % g.groups
            let c = partials + n * g.outChannels * k + grp * cog * k
            let xg = x + (n * g.inChannels + grp * cig) * inVol, dyg = dy + (n * g.outChannels + grp * cog) * outVol
            if g.isPointwise {
                BLAS.sgemm(transposeB: true, m: cog, n: k, k: outVol, a: dyg, lda: outVol, b: xg, ldb: inVol,
                           c: c, ldc: k)
                return
            }
            let col = scratch + worker * perWorker
            var r0 = 0
            while r0 < rows {
                let r1 = min(rows, r0 + tileRows), cols = (r1 - r0) * g.output[2]
                FP32Conv.im2col(g, x: xg, rows: r0..<r1, col: col)
                BLAS.sgemm(transposeB: true, m: cog, n: k, k: cols, a: dyg + r0 * g.output[2], lda: outVol,
                           b: col, ldb: cols, beta: r0 == 0 ? 0 : 1, c: c, ldc: k)
                r0 = r1
            }
        }
        let count = g.outChannels * k
        dw.update(from: partials, count: count)
        for n in 1..<max(1, g.batch) {
            let p = partials + n * count
            for i in 0..<count { dw[i] += p[i] }
        }
    }
}
