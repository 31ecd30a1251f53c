import Foundation

/// A one-sided power spectral density estimate: frequencies (Hz) and power (units²/Hz).
public struct PowerSpectrum: Sendable, Equatable {
    public var frequencies: [Double]
    public var power: [Double]
}

/// `scipy.signal.periodogram` with a boxcar window, `scaling='density'`, one-sided output.
public enum Periodogram {
    /// Detrending applied before the transform (scipy's `detrend` argument).
    public enum Detrend: String, Sendable, CaseIterable {
        /// `detrend=False`, what rPPG-Toolbox's heart-rate and SNR code passes.
        case none
        /// `detrend='constant'` (scipy's default): the mean is removed.
        case constant
    }

    /// The periodogram of `x` sampled at `fs` Hz, padded to `nfft` points (default: the next power
    /// of two ≥ N, as rPPG-Toolbox). `nfft` smaller than N truncates the signal, as scipy does.
    public static func compute(_ x: [Double], fs: Double, nfft: Int? = nil, detrend: Detrend = .none)
        -> PowerSpectrum
    {
        let points = nfft ?? FFT.nextPowerOfTwo(x.count)
        precondition(points > 0 && points & (points - 1) == 0, "Periodogram: nfft must be a power of two")
        var segment = x.count > points ? Array(x[0..<points]) : x
        if detrend == .constant, !segment.isEmpty {
            let mean = segment.reduce(0, +) / Double(segment.count)
            for i in segment.indices { segment[i] -= mean }
        }
        // Density scaling 1/(fs·Σw²) with a boxcar window of the segment length.
        let scale = 1.0 / (fs * Double(max(segment.count, 1)))
        var power = FFT.realPowerSpectrum(segment, nfft: points)
        for k in power.indices {
            power[k] *= scale
            // One-sided: every bin except DC (and Nyquist for even nfft) carries both halves.
            let isNyquist = points % 2 == 0 && k == points / 2
            if k != 0 && !isNyquist { power[k] *= 2 }
        }
        let frequencies = (0..<power.count).map { Double($0) * fs / Double(points) }
        return PowerSpectrum(frequencies: frequencies, power: power)
    }
}
