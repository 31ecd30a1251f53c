import Foundation

/// rPPG-Toolbox's chunk evaluation: one heart rate per clip (128 frames by default) rather than
/// per video, so that a handful of videos still gives tens of scored points.
///
/// The pulse is made as for whole videos (``HeartRateEvaluation/pulse(_:fps:diffNormalized:options:)``),
/// but the periodogram is zero-padded to ``spectrumPoints``: a 128-frame clip at 30 fps would
/// otherwise have bins 14 BPM apart, coarser than the errors being measured.
public enum ClipHeartRate {
    /// Points of the zero-padded spectrum (30 fps → 0.88 BPM bins).
    public static let spectrumPoints = 2048
    /// Band of the SNR's remainder, the default of rPPG-Toolbox's `_calculate_SNR` (0.6–3.3 Hz).
    public static let snrBand = FrequencyBand.wide

    /// The pulse of one clip (cumulative sum for DiffNormalized, detrend, band-pass); nil when the
    /// clip is too short for the band-pass filter.
    public static func pulse(_ signal: [Float], fps: Double, diffNormalized: Bool) -> [Double]? {
        try? HeartRateEvaluation.pulse(signal.map(Double.init), fps: fps, diffNormalized: diffNormalized)
    }

    /// A clip output's heart rate (BPM): its pulse, then the periodogram peak; NaN when the clip
    /// is too short for the band-pass filter.
    public static func estimate(_ signal: [Float], fps: Double, diffNormalized: Bool) -> Double {
        pulse(signal, fps: fps, diffNormalized: diffNormalized).map { heartRate($0, fps: fps) } ?? .nan
    }

    /// Heart rate (BPM): the largest bin of the `points`-point periodogram inside `band`.
    public static func heartRate(
        _ pulse: [Double], fps: Double, band: FrequencyBand = .evaluation, points: Int = spectrumPoints
    ) -> Double {
        let spectrum = Periodogram.compute(pulse, fs: fps, nfft: max(points, FFT.nextPowerOfTwo(pulse.count)))
        var best = -Double.infinity
        var bestFrequency = Double.nan
        for (f, p) in zip(spectrum.frequencies, spectrum.power) where f >= band.low && f <= band.high && p > best {
            best = p
            bestFrequency = f
        }
        return bestFrequency * 60
    }

    /// rPPG-Toolbox's SNR (dB): power within ±0.1 Hz (6 BPM) of the first and second harmonic of
    /// `referenceHR` over the power in the rest of `band`, `20·log10` as the toolbox's `mag2db`.
    /// 0 when the remainder holds no power, as the toolbox.
    public static func snr(
        _ pulse: [Double], referenceHR: Double, fps: Double, band: FrequencyBand = snrBand,
        points: Int = spectrumPoints
    ) -> Double {
        let first = referenceHR / 60, second = 2 * first, deviation = 0.1
        let spectrum = Periodogram.compute(pulse, fs: fps, nfft: max(points, FFT.nextPowerOfTwo(pulse.count)))
        var harmonics = 0.0, remainder = 0.0
        for (f, p) in zip(spectrum.frequencies, spectrum.power) {
            let inFirst = abs(f - first) <= deviation
            let inSecond = abs(f - second) <= deviation
            if inFirst { harmonics += p }
            if inSecond { harmonics += p }
            if f >= band.low && f <= band.high && !inFirst && !inSecond { remainder += p }
        }
        guard remainder > 0 else { return 0 }
        return 20 * log10(harmonics / remainder)
    }
}
