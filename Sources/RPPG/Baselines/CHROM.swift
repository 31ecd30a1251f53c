import Foundation

/// Chrominance method (de Haan & Jeanne 2013), as rPPG-Toolbox's `CHROME_DEHAAN`.
public enum CHROM {
    /// Window length in seconds; windows overlap by half.
    public static let windowSeconds = 1.6

    /// CHROM pulse: windows of ⌈1.6·fs⌉ frames (rounded up to even) with half overlap; per window
    /// colours normalised by their mean, `X = 3R − 2G`, `Y = 1.5R + G − 1.5B`, each band-passed
    /// (3rd-order Butterworth 0.7–2.5 Hz, forward and backward), `S = Xf − (σXf/σYf)·Yf`,
    /// Hann-windowed and overlap-added. The output has `(L/2)·(windows + 1)` samples.
    public static func pulse(
        rgb: [SIMD3<Double>], fps: Double, band: FrequencyBand = FrequencyBand(low: 0.7, high: 2.5),
        order: Int = 3
    ) throws -> [Double] {
        var windowLength = Int((windowSeconds * fps).rounded(.up))
        if windowLength % 2 == 1 { windowLength += 1 }
        let half = windowLength / 2
        let frames = rgb.count
        guard half > 0, frames >= windowLength else {
            throw SignalError.signalTooShort(
                length: frames, needed: windowLength, context: "CHROM (one \(windowSeconds) s window)")
        }
        let windows = (frames - half) / half
        let filter = try Butterworth.bandPass(order: order, low: band.low, high: band.high, fs: fps)
        // Symmetric Hann window, as scipy.signal.windows.hann(L).
        let hann = (0..<windowLength).map {
            0.5 - 0.5 * cos(2 * Double.pi * Double($0) / Double(windowLength - 1))
        }
        var s = [Double](repeating: 0, count: half * (windows + 1))
        var x = [Double](repeating: 0, count: windowLength)
        var y = [Double](repeating: 0, count: windowLength)
        for w in 0..<windows {
            let start = w * half
            var base = SIMD3<Double>(repeating: 0)
            for t in start..<(start + windowLength) { base += rgb[t] }
            base /= Double(windowLength)
            for t in 0..<windowLength {
                let c = rgb[start + t] / base
                x[t] = 3 * c.x - 2 * c.y
                y[t] = 1.5 * c.x + c.y - 1.5 * c.z
            }
            let xf = try ZeroPhaseFilter.filtfilt(filter, x)
            let yf = try ZeroPhaseFilter.filtfilt(filter, y)
            let alpha = HRMetrics.populationStd(xf) / HRMetrics.populationStd(yf)
            // First half adds onto the previous window's second half; the second half is assigned.
            for t in 0..<half { s[start + t] += (xf[t] - alpha * yf[t]) * hann[t] }
            for t in half..<windowLength { s[start + t] = (xf[t] - alpha * yf[t]) * hann[t] }
        }
        return s
    }
}
