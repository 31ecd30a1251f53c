import Foundation

/// Plane-orthogonal-to-skin (Wang et al. 2017), as rPPG-Toolbox's `POS_WANG`.
public enum POS {
    /// Sliding window length in seconds.
    public static let windowSeconds = 1.6

    /// POS pulse: for every window of ⌈1.6·fs⌉ frames ending before frame n (n = l…N−1),
    /// temporally normalised colours projected on (0, 1, −1) and (−2, 1, 1), combined with the
    /// ratio of their standard deviations, mean removed and overlap-added; then smoothness-priors
    /// detrend (λ 100) and a 1st-order Butterworth band-pass 0.75–3 Hz, forward and backward.
    public static func pulse(
        rgb: [SIMD3<Double>], fps: Double, band: FrequencyBand = FrequencyBand(low: 0.75, high: 3.0)
    ) throws -> [Double] {
        let n = rgb.count
        let l = Int((windowSeconds * fps).rounded(.up))
        var h = [Double](repeating: 0, count: n)
        if l > 0 && n > l {
            var s1 = [Double](repeating: 0, count: l)
            var s2 = [Double](repeating: 0, count: l)
            // The toolbox's loop runs n over 0..<N with window [n − l, n): the last frame only
            // ever enters through later processing, never a window.
            for end in l..<n {
                let start = end - l
                var mean = SIMD3<Double>(repeating: 0)
                for t in start..<end { mean += rgb[t] }
                mean /= Double(l)
                for t in 0..<l {
                    let c = rgb[start + t] / mean
                    s1[t] = c.y - c.z
                    s2[t] = -2 * c.x + c.y + c.z
                }
                let alpha = HRMetrics.populationStd(s1) / HRMetrics.populationStd(s2)
                var sum = 0.0
                for t in 0..<l {
                    s1[t] += alpha * s2[t]
                    sum += s1[t]
                }
                let m = sum / Double(l)
                for t in 0..<l { h[start + t] += s1[t] - m }
            }
        }
        let detrended = SmoothnessPriorsDetrend.apply(h, lambda: 100)
        let filter = try Butterworth.bandPass(order: 1, low: band.low, high: band.high, fs: fps)
        return try ZeroPhaseFilter.filtfilt(filter, detrended)
    }
}
