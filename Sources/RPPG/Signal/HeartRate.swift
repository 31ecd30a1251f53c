import Foundation

/// How a heart rate is read off a pulse signal.
public enum HRMethod: String, Sendable, CaseIterable, Codable {
    /// 60 × the frequency of the largest periodogram peak inside the band.
    case fft
    /// 60 / mean inter-peak interval (s), peaks from `find_peaks`.
    case peak
}

/// A frequency band in Hz.
public struct FrequencyBand: Sendable, Equatable, Codable {
    public var low: Double
    public var high: Double
    public init(low: Double, high: Double) {
        self.low = low
        self.high = high
    }
    /// 0.75–2.5 Hz (45–150 BPM): rPPG-Toolbox's evaluation band, used for the paper tables.
    public static let evaluation = FrequencyBand(low: 0.75, high: 2.5)
    /// 0.6–3.3 Hz (36–198 BPM): the default arguments of rPPG-Toolbox's older HR functions.
    public static let wide = FrequencyBand(low: 0.6, high: 3.3)
}

/// Heart rate and SNR of a pulse signal, as rPPG-Toolbox's `_calculate_hr` and `_calculate_SNR`.
public enum HeartRate {
    /// Heart rate (BPM) by periodogram peak within `band` (nfft = next power of two ≥ N).
    /// NaN when no periodogram bin falls in the band.
    public static func fft(
        _ signal: [Double], fs: Double, band: FrequencyBand = .evaluation,
        detrend: Periodogram.Detrend = .none
    ) -> Double {
        let spectrum = Periodogram.compute(signal, fs: fs, detrend: detrend)
        var best = -Double.infinity
        var bestFrequency = Double.nan
        for (f, p) in zip(spectrum.frequencies, spectrum.power) where f >= band.low && f <= band.high {
            // Strictly greater: numpy's argmax returns the first maximum.
            if p > best {
                best = p
                bestFrequency = f
            }
        }
        return bestFrequency * 60
    }

    /// Heart rate (BPM) as `60 / (mean(diff(peaks)) / fs)`; NaN with fewer than two peaks.
    public static func peak(_ signal: [Double], fs: Double) -> Double {
        let peaks = PeakFinder.peaks(signal)
        guard peaks.count >= 2 else { return .nan }
        let meanInterval = Double(peaks.last! - peaks.first!) / Double(peaks.count - 1)
        return 60 / (meanInterval / fs)
    }

    /// Heart rate by `method` (FFT uses `band`; the peak method searches the whole signal).
    public static func estimate(
        _ signal: [Double], fs: Double, method: HRMethod, band: FrequencyBand = .evaluation
    ) -> Double {
        switch method {
        case .fft: return fft(signal, fs: fs, band: band)
        case .peak: return peak(signal, fs: fs)
        }
    }

    /// Signal-to-noise ratio (dB) of a predicted pulse: periodogram power within ±6 BPM of the
    /// reference HR's first and second harmonics over the power in the rest of `band`.
    /// 0 when the remainder has no power, as rPPG-Toolbox.
    public static func snr(
        _ signal: [Double], referenceHR: Double, fs: Double, band: FrequencyBand = .evaluation
    ) -> Double {
        let first = referenceHR / 60
        let second = 2 * first
        let deviation = 6.0 / 60
        let spectrum = Periodogram.compute(signal, fs: fs)
        var harmonics = 0.0
        var remainder = 0.0
        for (f, p) in zip(spectrum.frequencies, spectrum.power) {
            let inFirst = f >= first - deviation && f <= first + deviation
            let inSecond = f >= second - deviation && f <= second + deviation
            // The toolbox sums both harmonic windows separately, so a bin in both counts twice.
            if inFirst { harmonics += p }
            if inSecond { harmonics += p }
            if f >= band.low && f <= band.high && !inFirst && !inSecond { remainder += p }
        }
        guard remainder != 0 else { return 0 }
        return 20 * log10(harmonics / remainder)
    }
}
