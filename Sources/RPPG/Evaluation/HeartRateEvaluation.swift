import Foundation

/// Settings of the heart-rate evaluation. The defaults are rPPG-Toolbox's published setting.
public struct HeartRateEvaluationOptions: Sendable, Equatable {
    /// Band for the band-pass filter and the FFT peak search.
    public var band: FrequencyBand = .evaluation
    /// Butterworth order (rPPG-Toolbox used 1 for its paper tables; later code uses 2).
    public var filterOrder: Int = 1
    /// Band-pass before reading the HR (`use_bandpass`).
    public var useBandpass = true
    /// Smoothness-priors λ.
    public var detrendLambda: Double = SmoothnessPriorsDetrend.defaultLambda
    /// FFT or peak method.
    public var method: HRMethod = .fft
    /// Evaluation window in seconds (`EVALUATION_WINDOW.WINDOW_SIZE`); nil: the whole video.
    public var windowSeconds: Double? = nil

    public init(
        band: FrequencyBand = .evaluation, filterOrder: Int = 1, useBandpass: Bool = true,
        detrendLambda: Double = SmoothnessPriorsDetrend.defaultLambda, method: HRMethod = .fft,
        windowSeconds: Double? = nil
    ) {
        self.band = band
        self.filterOrder = filterOrder
        self.useBandpass = useBandpass
        self.detrendLambda = detrendLambda
        self.method = method
        self.windowSeconds = windowSeconds
    }
}

/// The heart rates of one evaluation window (the whole video unless windows were asked for).
public struct WindowHeartRate: Sendable, Equatable, Codable {
    public var video: Int
    /// Index of the window inside its video (0 for whole-video evaluation).
    public var window: Int
    public var predicted: Double
    public var truth: Double
    /// SNR (dB) of the predicted pulse around the true HR.
    public var snr: Double
}

/// rPPG-Toolbox's evaluation: per video, chunks concatenated in order (cumulative sum for
/// DiffNormalized), detrended, band-passed, heart rate of prediction and label.
public enum HeartRateEvaluation {
    /// Per-video (predicted HR, ground-truth HR) in BPM, videos in ascending ID order.
    /// Chunks of one video are concatenated in the order given.
    public static func perVideo(
        predictions: [[Float]], labels: [[Float]], videoIDs: [Int], fps: Double, diffNormalized: Bool,
        method: HRMethod = .fft
    ) -> [(video: Int, predicted: Double, truth: Double)] {
        let options = HeartRateEvaluationOptions(method: method)
        return evaluate(
            predictions: predictions, labels: labels, videoIDs: videoIDs, fps: fps,
            diffNormalized: diffNormalized, options: options
        )
        .map { ($0.video, $0.predicted, $0.truth) }
    }

    /// Full evaluation: per video (or per window of `options.windowSeconds`), with SNR.
    /// `chunkIndices`, when given, orders each video's chunks (as the toolbox sorts by chunk key).
    /// Windows too short to filter (not longer than the filter's pad length, or < 9 samples as
    /// the toolbox) are skipped.
    public static func evaluate(
        predictions: [[Float]], labels: [[Float]], videoIDs: [Int], chunkIndices: [Int]? = nil, fps: Double,
        diffNormalized: Bool, options: HeartRateEvaluationOptions = HeartRateEvaluationOptions()
    ) -> [WindowHeartRate] {
        precondition(
            predictions.count == labels.count && predictions.count == videoIDs.count,
            "HeartRateEvaluation: predictions, labels and videoIDs differ in count")
        var order = Array(predictions.indices)
        if let chunkIndices {
            precondition(
                chunkIndices.count == predictions.count, "HeartRateEvaluation: chunkIndices differ in count")
            order.sort { (chunkIndices[$0], $0) < (chunkIndices[$1], $1) }
        }
        var grouped: [Int: (prediction: [Double], label: [Double])] = [:]
        for i in order {
            var entry = grouped[videoIDs[i]] ?? ([], [])
            entry.prediction += predictions[i].map(Double.init)
            entry.label += labels[i].map(Double.init)
            grouped[videoIDs[i]] = entry
        }
        var results: [WindowHeartRate] = []
        for video in grouped.keys.sorted() {
            let (prediction, label) = grouped[video]!
            results += evaluateVideo(
                video: video, prediction: prediction, label: label, fps: fps, diffNormalized: diffNormalized,
                options: options)
        }
        return results
    }

    /// Frames per evaluation window: `windowSeconds` at `fps`, or the whole video.
    public static func windowLength(frames: Int, fps: Double, options: HeartRateEvaluationOptions) -> Int {
        guard let seconds = options.windowSeconds else { return frames }
        return min(max(1, Int((seconds * fps).rounded())), frames)
    }

    /// One video's signals, split into evaluation windows as the toolbox does.
    public static func evaluateVideo(
        video: Int, prediction: [Double], label: [Double], fps: Double, diffNormalized: Bool,
        options: HeartRateEvaluationOptions = HeartRateEvaluationOptions()
    ) -> [WindowHeartRate] {
        let windowLength = windowLength(frames: prediction.count, fps: fps, options: options)
        guard windowLength > 0 else { return [] }
        var results: [WindowHeartRate] = []
        var start = 0
        var index = 0
        while start < prediction.count {
            let end = min(start + windowLength, prediction.count)
            let labelEnd = min(start + windowLength, label.count)
            defer {
                start += windowLength
                index += 1
            }
            guard end - start >= 9, labelEnd - start >= 9 else { continue }
            if let r = try? window(
                prediction: Array(prediction[start..<end]), label: Array(label[start..<labelEnd]), fps: fps,
                diffNormalized: diffNormalized, options: options)
            {
                results.append(
                    WindowHeartRate(
                        video: video, window: index, predicted: r.predicted, truth: r.truth, snr: r.snr))
            }
        }
        return results
    }

    /// rPPG-Toolbox's `calculate_metric_per_video` on one window: (predicted HR, true HR, SNR).
    /// Throws when the window is too short for the band-pass filter or the band is invalid.
    public static func window(
        prediction: [Double], label: [Double], fps: Double, diffNormalized: Bool,
        options: HeartRateEvaluationOptions = HeartRateEvaluationOptions()
    ) throws -> (predicted: Double, truth: Double, snr: Double) {
        let p = try pulse(prediction, fps: fps, diffNormalized: diffNormalized, options: options)
        let l = try pulse(label, fps: fps, diffNormalized: diffNormalized, options: options)
        let predicted = HeartRate.estimate(p, fs: fps, method: options.method, band: options.band)
        let truth = HeartRate.estimate(l, fs: fps, method: options.method, band: options.band)
        let snr = HeartRate.snr(p, referenceHR: truth, fs: fps, band: options.band)
        return (predicted, truth, snr)
    }

    /// Cumulative sum (DiffNormalized), detrend and band-pass: the signal HR is read from.
    public static func pulse(
        _ signal: [Double], fps: Double, diffNormalized: Bool,
        options: HeartRateEvaluationOptions = HeartRateEvaluationOptions()
    ) throws -> [Double] {
        var x = signal
        if diffNormalized {
            var sum = 0.0
            for i in x.indices {
                sum += x[i]
                x[i] = sum
            }
        }
        x = SmoothnessPriorsDetrend.apply(x, lambda: options.detrendLambda)
        if options.useBandpass {
            let filter = try Butterworth.bandPass(
                order: options.filterOrder, low: options.band.low, high: options.band.high, fs: fps)
            x = try ZeroPhaseFilter.filtfilt(filter, x)
        }
        return x
    }
}
