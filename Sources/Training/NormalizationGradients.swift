import Kernels

/// Batch normalisation (training and inference form) and instance normalisation, with their
/// backward rules. Statistics are accumulated in Double so that long clips (T·H·W in the
/// hundreds of thousands) do not lose precision. Work is split over channels (and samples where
/// no sum crosses them), so every sum runs in the same order for any `threads`.
enum NormalizationGradients {
    /// What backward needs from a normalisation forward: the normalised input and 1/σ per group.
    struct Saved {
        var normalized: [Float]
        var invStd: [Float]
        /// Groups that share statistics: channels (batch norm) or (sample, channel) (instance norm).
        var perSampleGroups: Bool
        /// Whether statistics came from the batch (they depend on x) or were constants.
        var batchStatistics: Bool
    }

    struct Statistics { var mean: [Double]; var biasedVariance: [Double]; var count: Int }

    /// Per-channel mean and biased variance of `[N, C, ...]` over N and the spatial axes.
    static func channelStatistics(_ x: Activation, threads: Int = 1) -> Statistics {
        let n = x.shape[0], c = x.shape[1]
        let vol = x.count / max(1, n * c)
        // [mean…, variance…]: one buffer the workers write by channel.
        let out = UnsafeMutablePointer<Double>.allocate(capacity: 2 * c)
        defer { out.deallocate() }
        let (mean, variance) = (out, out + c)
        x.data.withUnsafeBufferPointer { p in
            FP32Conv.run(c, threads: threads) { ch, _ in
                var s = 0.0
                for s0 in 0..<n { s += Self.sum(p.baseAddress! + (s0 * c + ch) * vol, vol) }
                let m = s / Double(n * vol)
                var q = 0.0
                for s0 in 0..<n { q += Self.squaredDeviations(p.baseAddress! + (s0 * c + ch) * vol, vol, from: m) }
                mean[ch] = m
                variance[ch] = q / Double(n * vol)
            }
        }
        return Statistics(mean: Array(UnsafeBufferPointer(start: mean, count: c)),
                          biasedVariance: Array(UnsafeBufferPointer(start: variance, count: c)), count: n * vol)
    }

    /// `y = γ·(x − μ)/√(σ² + ε) + β` per channel with the given statistics.
    static func normalize(_ x: Activation, mean: [Double], variance: [Double], scale: [Float], bias: [Float],
                          epsilon: Float, perSample: Bool, threads: Int = 1) -> (Activation, [Float], [Float]) {
        let n = x.shape[0], c = x.shape[1]
        let vol = x.count / max(1, n * c)
        var y = Activation(overwriting: x.shape)
        var xhat = Activation(overwriting: x.shape).data
        var inv = [Float](repeating: 0, count: mean.count)
        for i in mean.indices { inv[i] = Float(1 / (variance[i] + Double(epsilon)).squareRoot()) }
        x.data.withUnsafeBufferPointer { xp in
            y.data.withUnsafeMutableBufferPointer { yp in
                xhat.withUnsafeMutableBufferPointer { hp in
                    let (yp, hp) = (yp.baseAddress!, hp.baseAddress!)
                    FP32Conv.run(n * c, threads: threads) { item, _ in
                        do {
                            let s = item / c, ch = item % c
                            let gi = perSample ? s * c + ch : ch
                            let m = Float(mean[gi]), r = inv[gi], g = scale[ch], b = bias[ch]
                            let off = (s * c + ch) * vol
                            for i in 0..<vol {
                                let h = (xp[off + i] - m) * r
                                hp[off + i] = h
                                yp[off + i] = g * h + b
                            }
                        }
                    }
                }
            }
        }
        return (y, xhat, inv)
    }

    /// Backward of a normalisation: (dx, dγ, dβ).
    static func backward(_ dy: Activation, saved: Saved, scale: [Float], threads: Int = 1) -> (Activation, [Float], [Float]) {
        let n = dy.shape[0], c = dy.shape[1]
        let vol = dy.count / max(1, n * c)
        let groups = saved.perSampleGroups ? n * c : c
        // Sums the workers write by channel: [dγ…, dβ…] and [Σdy…, Σdy·x̂…].
        let floats = UnsafeMutablePointer<Float>.allocate(capacity: 2 * c)
        let doubles = UnsafeMutablePointer<Double>.allocate(capacity: 2 * groups)
        defer { floats.deallocate(); doubles.deallocate() }
        floats.initialize(repeating: 0, count: 2 * c)
        doubles.initialize(repeating: 0, count: 2 * groups)
        let (dScale, dBias, sumDy, sumDyH) = (floats, floats + c, doubles, doubles + groups)
        dy.data.withUnsafeBufferPointer { dp in
            saved.normalized.withUnsafeBufferPointer { hp in
                // Per channel, samples in order: the sums over samples keep their order.
                FP32Conv.run(c, threads: threads) { ch, _ in
                    for s in 0..<n {
                        let gi = saved.perSampleGroups ? s * c + ch : ch
                        let off = (s * c + ch) * vol
                        let (a, b) = Self.sumAndDot(dp.baseAddress! + off, hp.baseAddress! + off, vol)
                        sumDy[gi] += a
                        sumDyH[gi] += b
                        dBias[ch] += Float(a)
                        dScale[ch] += Float(b)
                    }
                }
            }
        }
        var dx = Activation(overwriting: dy.shape)
        let m = Double(saved.perSampleGroups ? vol : n * vol)
        dy.data.withUnsafeBufferPointer { dp in
            saved.normalized.withUnsafeBufferPointer { hp in
                dx.data.withUnsafeMutableBufferPointer { xp in
                    let xp = xp.baseAddress!
                    FP32Conv.run(n * c, threads: threads) { item, _ in
                        do {
                            let s = item / c, ch = item % c
                            let gi = saved.perSampleGroups ? s * c + ch : ch
                            let off = (s * c + ch) * vol
                            let k = scale[ch] * saved.invStd[gi]
                            if saved.batchStatistics {
                                let meanDy = Float(sumDy[gi] / m), meanDyH = Float(sumDyH[gi] / m)
                                for i in 0..<vol { xp[off + i] = k * (dp[off + i] - meanDy - hp[off + i] * meanDyH) }
                            } else {
                                for i in 0..<vol { xp[off + i] = k * dp[off + i] }
                            }
                        }
                    }
                }
            }
        }
        return (dx, Array(UnsafeBufferPointer(start: dScale, count: c)), Array(UnsafeBufferPointer(start: dBias, count: c)))
    }

    /// Per-(sample, channel) mean and biased variance, for instance norm.
    static func instanceStatistics(_ x: Activation) -> (mean: [Double], variance: [Double]) {
        let n = x.shape[0], c = x.shape[1]
        let vol = x.count / max(1, n * c)
        var mean = [Double](repeating: 0, count: n * c)
        var variance = [Double](repeating: 0, count: n * c)
        x.data.withUnsafeBufferPointer { p in
            for g in 0..<(n * c) {
                let row = p.baseAddress! + g * vol
                let m = Self.sum(row, vol) / Double(vol)
                let q = Self.squaredDeviations(row, vol, from: m)
                mean[g] = m
                variance[g] = q / Double(vol)
            }
        }
        return (mean, variance)
    }

    // Double sums in four-lane vectors: a serial Double chain ran at one add per 4 cycles and
    // was most of a BatchNorm's time; the lanes change only the (Double) rounding order.

    /// `Σ x[i]` in Double.
    static func sum(_ x: UnsafePointer<Float>, _ n: Int) -> Double {
        var a = SIMD4<Double>(), b = SIMD4<Double>(), i = 0
        while i + 8 <= n {
            a += SIMD4<Double>(UnsafeRawPointer(x + i).loadUnaligned(as: SIMD4<Float>.self))
            b += SIMD4<Double>(UnsafeRawPointer(x + i + 4).loadUnaligned(as: SIMD4<Float>.self))
            i += 8
        }
        var s = (a + b).sum()
        while i < n { s += Double(x[i]); i += 1 }
        return s
    }

    /// `Σ (x[i] − m)²` in Double.
    static func squaredDeviations(_ x: UnsafePointer<Float>, _ n: Int, from m: Double) -> Double {
        var a = SIMD4<Double>(), b = SIMD4<Double>(), i = 0
        let mv = SIMD4<Double>(repeating: m)
        while i + 8 <= n {
            let d0 = SIMD4<Double>(UnsafeRawPointer(x + i).loadUnaligned(as: SIMD4<Float>.self)) - mv
            let d1 = SIMD4<Double>(UnsafeRawPointer(x + i + 4).loadUnaligned(as: SIMD4<Float>.self)) - mv
            a += d0 * d0
            b += d1 * d1
            i += 8
        }
        var s = (a + b).sum()
        while i < n { let d = Double(x[i]) - m; s += d * d; i += 1 }
        return s
    }

    /// `(Σ dy[i], Σ Float(dy[i]·h[i]))` in Double (the products rounded to Float, as before).
    static func sumAndDot(_ dy: UnsafePointer<Float>, _ h: UnsafePointer<Float>, _ n: Int) -> (Double, Double) {
        var a = SIMD4<Double>(), b = SIMD4<Double>(), i = 0
        while i + 4 <= n {
            let g = UnsafeRawPointer(dy + i).loadUnaligned(as: SIMD4<Float>.self)
            let v = UnsafeRawPointer(h + i).loadUnaligned(as: SIMD4<Float>.self)
            a += SIMD4<Double>(g)
            b += SIMD4<Double>(g * v)
            i += 4
        }
        var sa = a.sum(), sb = b.sum()
        while i < n { sa += Double(dy[i]); sb += Double(dy[i] * h[i]); i += 1 }
        return (sa, sb)
    }
}
