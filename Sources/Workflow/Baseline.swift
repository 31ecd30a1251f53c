import Foundation
import RPPG
import TensorCore

/// Settings of `rppg baseline`.
public struct BaselineOptions: Sendable {
    public var method: UnsupervisedMethod
    /// The dataset root (UBFC-rPPG layout).
    public var rawData: URL
    /// Only `ubfc` is supported.
    public var dataset: String = "ubfc"
    /// Heart-rate evaluation settings (rPPG-Toolbox defaults: FFT, 0.75–2.5 Hz, whole video).
    public var evaluation = HeartRateEvaluationOptions()
    /// Haar cascade used for the face box.
    public var cascadePath: String = HaarCascade.defaultPath
    /// Subjects processed at once.
    public var threads: Int = Parallel.availableCores

    public init(method: UnsupervisedMethod, rawData: URL, dataset: String = "ubfc") {
        self.method = method
        self.rawData = rawData
        self.dataset = dataset
    }
}

/// Result of `rppg baseline`: per-subject heart rates and the metrics over subjects.
public struct BaselineReport: Codable, Sendable {
    public struct Subject: Codable, Sendable {
        public var subject: Int
        public var frames: Int
        public var fps: Double
        /// The enlarged, clipped face box `[x, y, width, height]` the colour means come from.
        public var faceBox: [Int]
        /// False when no face was found on the first frame and the whole frame was used.
        public var faceDetected: Bool
        /// One entry per evaluation window (one for whole-video evaluation).
        public var windows: [WindowHeartRate]
        /// What `truth` is: "sensor" (the mean of the ground truth's HR line over the window),
        /// "label" (the HR of the PPG waveform, when the file has no HR line) or "mixed".
        public var hrSource: String
    }
    public struct Skipped: Codable, Sendable {
        public var subject: Int
        public var reason: String
    }

    public var method: String
    public var dataset: String
    public var hrMethod: String
    public var band: [Double]
    public var subjects: [Subject]
    public var skipped: [Skipped]
    /// Nil when no subject could be evaluated.
    public var metrics: HRMetrics?

    /// Human-readable table.
    public func text() -> String {
        var lines = [
            "\(method) on \(dataset): \(subjects.count) subject(s), HR by \(hrMethod) in \(band[0])–\(band[1]) Hz"
        ]
        let sources = Set(subjects.map(\.hrSource))
        lines.append("truth: " + (sources == ["sensor"] ? "the ground truth's HR line (mean over each window)"
            : sources == ["label"] ? "the HR of the ground-truth PPG waveform (the files have no HR line)"
            : "the ground truth's HR line where present, else the PPG waveform's HR"))
        lines.append("subject  frames    fps   face  predicted  truth   |error|  SNR(dB)")
        for s in subjects {
            for w in s.windows {
                let name = s.windows.count > 1 ? "\(s.subject).\(w.window)" : "\(s.subject)"
                let padded = String(repeating: " ", count: max(0, 7 - name.count)) + name
                let face = s.faceDetected ? "  yes" : " none"
                lines.append(
                    padded + String(format: "  %6d  %5.2f  ", s.frames, s.fps) + face
                        + String(
                            format: "  %9.2f  %6.2f  %7.2f  %7.2f", w.predicted, w.truth,
                            abs(w.predicted - w.truth), w.snr))
            }
        }
        for k in skipped { lines.append("skipped subject \(k.subject): \(k.reason)") }
        if let m = metrics {
            lines.append(String(format: "MAE  %.2f ± %.2f BPM", m.mae, m.maeStandardError))
            lines.append(String(format: "RMSE %.2f ± %.2f BPM", m.rmse, m.rmseStandardError))
            lines.append(String(format: "MAPE %.2f ± %.2f %%", m.mape, m.mapeStandardError))
            lines.append(String(format: "Pearson %.3f ± %.3f", m.pearson, m.pearsonStandardError))
            if let snr = m.snr, let se = m.snrStandardError {
                lines.append(String(format: "SNR  %.2f ± %.2f dB", snr, se))
            }
        } else {
            lines.append("No subject could be evaluated.")
        }
        return lines.joined(separator: "\n")
    }

    /// JSON encoding (NaN and infinities as the strings "nan", "inf", "-inf").
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try encoder.encode(self)
    }
}

/// Errors of `rppg baseline` itself (file errors come from the readers).
public enum BaselineError: UserFacingError {
    case unsupportedDataset(String)
    case noSubjectEvaluated(path: String, reasons: [String])

    public var description: String {
        switch self {
        case .unsupportedDataset(let d):
            return "Dataset '\(d)' is not supported by rppg baseline; use --dataset ubfc."
        case .noSubjectEvaluated(let p, let reasons):
            return "No subject under \(p) could be evaluated: \(reasons.joined(separator: "; "))."
        }
    }
}

/// `rppg baseline`: an unsupervised method (POS, CHROM, GREEN) on every subject of a dataset,
/// evaluated against the ground-truth PPG as rPPG-Toolbox's `unsupervised_predict` does.
public enum Baseline {
    /// Runs the baseline. `progress` receives one line per finished subject.
    public static func run(_ options: BaselineOptions, progress: (@Sendable (String) -> Void)? = nil) throws
        -> BaselineReport
    {
        guard options.dataset.lowercased() == "ubfc" else {
            throw BaselineError.unsupportedDataset(options.dataset)
        }
        let subjects = try UBFCDataset.subjects(in: options.rawData)
        let cascade = try HaarCascade.load(path: options.cascadePath)
        let detector = HaarDetector(cascade: cascade)
        let outcomes = UnsafeMutableBufferPointer<Result<BaselineReport.Subject, Error>?>.allocate(
            capacity: subjects.count)
        outcomes.initialize(repeating: nil)
        defer { outcomes.deallocate() }
        Parallel.forEach(subjects.count, threads: max(1, min(options.threads, subjects.count))) { i in
            let subject = subjects[i]
            let result = Result { try evaluate(subject, detector: detector, options: options) }
            outcomes[i] = result
            switch result {
            case .success(let s):
                if !s.faceDetected {
                    progress?(
                        "warning: subject \(subject.number): no face found on the first frame; using the whole frame"
                    )
                }
                progress?(
                    "subject \(subject.number): \(s.frames) frames, HR \(s.windows.map { String(format: "%.1f", $0.predicted) }.joined(separator: ",")) vs \(s.windows.map { String(format: "%.1f", $0.truth) }.joined(separator: ","))"
                )
            case .failure(let e): progress?("subject \(subject.number): skipped (\(e))")
            }
        }
        var done: [BaselineReport.Subject] = []
        var skipped: [BaselineReport.Skipped] = []
        for (i, outcome) in outcomes.enumerated() {
            switch outcome! {
            case .success(let s): done.append(s)
            case .failure(let e): skipped.append(.init(subject: subjects[i].number, reason: "\(e)"))
            }
        }
        let windows = done.flatMap(\.windows)
        guard !done.isEmpty else {
            throw BaselineError.noSubjectEvaluated(
                path: options.rawData.path, reasons: skipped.map { "subject \($0.subject): \($0.reason)" })
        }
        let metrics =
            windows.isEmpty
            ? nil
            : HRMetrics.compute(
                predicted: windows.map(\.predicted), truth: windows.map(\.truth), snr: windows.map(\.snr))
        return BaselineReport(
            method: options.method.displayName, dataset: options.dataset,
            hrMethod: options.evaluation.method.rawValue,
            band: [options.evaluation.band.low, options.evaluation.band.high], subjects: done,
            skipped: skipped, metrics: metrics)
    }

    /// One subject: face box on the first frame, mean RGB per frame, pulse, heart rates.
    static func evaluate(_ subject: UBFCSubject, detector: HaarDetector, options: BaselineOptions) throws
        -> BaselineReport.Subject
    {
        let reader = try AVIReader(url: subject.video)
        let frames = reader.frameCount
        guard frames > 0 else {
            throw VideoError.corrupt(path: subject.video.path, reason: "the video has no frames")
        }
        let trace = try FaceColourTrace.extract(reader, detector: detector)
        let fps = trace.fps
        let box = trace.box
        let rgb = trace.rgb
        let truth = try subject.loadGroundTruth()
        // The toolbox resamples the PPG to the frame count (np.interp over two linspaces).
        let label = GroundTruth.resample(truth.ppg, to: frames)
        let pulse = try options.method.pulse(rgb: rgb, fps: fps)
        var windows = HeartRateEvaluation.evaluateVideo(
            video: subject.number, prediction: pulse, label: label, fps: fps, diffNormalized: false,
            options: options.evaluation)
        // Scored against the sensor's HR line where the file has one (as preprocess records and
        // verify scores): the label's own FFT peak shares the evaluation's spectral grid and
        // errors, and on short videos lands on the prediction's bin, printing 0.00.
        let hrLine = subject.frameSignals(truth, frames: frames, fps: fps).heartRate
        let length = HeartRateEvaluation.windowLength(frames: pulse.count, fps: fps, options: options.evaluation)
        var sensorWindows = 0
        for i in windows.indices {
            let start = windows[i].window * length
            let range = start..<min(start + length, frames)
            let reference = Chunking.referenceRate(heartRate: hrLine, rawPPG: [], frames: range, fps: fps)
            if reference.fromSensor {
                windows[i].truth = reference.bpm
                sensorWindows += 1
            }
        }
        guard !windows.isEmpty else {
            throw SignalError.signalTooShort(
                length: pulse.count, needed: 10, context: "Subject \(subject.number) heart-rate evaluation")
        }
        return BaselineReport.Subject(
            subject: subject.number, frames: frames, fps: fps,
            faceBox: [box.x, box.y, box.width, box.height],
            faceDetected: trace.faceDetected, windows: windows,
            hrSource: sensorWindows == windows.count ? "sensor" : sensorWindows == 0 ? "label" : "mixed")
    }
}
