import Foundation

/// Heart-rate error metrics over (predicted, true) pairs, each with its standard error, computed
/// as rPPG-Toolbox's `calculate_metrics` does (population standard deviations, `np.std`).
public struct HRMetrics: Sendable, Equatable, Codable {
    /// Number of pairs.
    public var count: Int
    /// Mean absolute error (BPM) and `std(|e|)/√n`.
    public var mae: Double
    public var maeStandardError: Double
    /// Root mean squared error (BPM) and `√(std(e²)/√n)` (rPPG-Toolbox's evaluation formula).
    public var rmse: Double
    public var rmseStandardError: Double
    /// Mean absolute percentage error (%) and `std(|e/y|)/√n·100`.
    public var mape: Double
    public var mapeStandardError: Double
    /// Pearson correlation and `√((1 − r²)/(n − 2))`; NaN when undefined (n < 2, constant
    /// series; the standard error needs n > 2).
    public var pearson: Double
    public var pearsonStandardError: Double
    /// Mean SNR (dB) and `std(SNR)/√n`, when SNRs were given.
    public var snr: Double?
    public var snrStandardError: Double?

    /// Metrics of `predicted` against `truth` (same length), plus the SNR summary when `snr` is given.
    public static func compute(predicted: [Double], truth: [Double], snr: [Double]? = nil) -> HRMetrics {
        precondition(predicted.count == truth.count, "HRMetrics: predicted and truth differ in length")
        let n = predicted.count
        let errors = zip(predicted, truth).map { $0 - $1 }
        let absolute = errors.map { abs($0) }
        let squared = errors.map { $0 * $0 }
        let relative = zip(errors, truth).map { abs($0 / $1) }
        let root = Double(n).squareRoot()
        let r = pearsonCorrelation(predicted, truth)
        var metrics = HRMetrics(
            count: n,
            mae: mean(absolute), maeStandardError: populationStd(absolute) / root,
            rmse: mean(squared).squareRoot(), rmseStandardError: (populationStd(squared) / root).squareRoot(),
            mape: mean(relative) * 100, mapeStandardError: populationStd(relative) / root * 100,
            pearson: r, pearsonStandardError: n > 2 ? ((1 - r * r) / Double(n - 2)).squareRoot() : .nan,
            snr: nil, snrStandardError: nil)
        if let snr {
            metrics.snr = mean(snr)
            metrics.snrStandardError = populationStd(snr) / Double(snr.count).squareRoot()
        }
        return metrics
    }

    /// Arithmetic mean (NaN for an empty array, as numpy).
    public static func mean(_ x: [Double]) -> Double {
        x.isEmpty ? .nan : x.reduce(0, +) / Double(x.count)
    }

    /// Standard deviation with ddof = 0, as `np.std`.
    public static func populationStd(_ x: [Double]) -> Double {
        guard !x.isEmpty else { return .nan }
        let m = mean(x)
        return (x.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(x.count)).squareRoot()
    }

    /// Pearson correlation coefficient (`np.corrcoef(x, y)[0, 1]`).
    public static func pearsonCorrelation(_ x: [Double], _ y: [Double]) -> Double {
        guard x.count == y.count, x.count >= 2 else { return .nan }
        let mx = mean(x)
        let my = mean(y)
        var sxy = 0.0
        var sxx = 0.0
        var syy = 0.0
        for (a, b) in zip(x, y) {
            sxy += (a - mx) * (b - my)
            sxx += (a - mx) * (a - mx)
            syy += (b - my) * (b - my)
        }
        let r = sxy / (sxx * syy).squareRoot()
        // numpy clips to [-1, 1] against rounding.
        return r.isNaN ? r : min(1, max(-1, r))
    }
}
