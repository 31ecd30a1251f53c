import Foundation
import RPPG
import TensorCore

extension Verify {
    /// What every model is scored against: the selected clips, their videos and ground truth.
    struct Reference {
        var fps: Double
        var diffNormalized: Bool
        var labels: [[Float]]
        var videoIDs: [Int]
        var chunkIndices: [Int]
        /// Per clip: the true HR (BPM) and whether it is the sensor's.
        var clipTruth: [Double]
        var clipFromSensor: [Bool]
        /// "sensor", "label" or "mixed" (some clips each), and why when not the sensor.
        var source: String
        var sourceNote: String?

        /// The sensor's HR line (preprocess's per-clip mean) where the file has it, because the
        /// label's own FFT peak shares the evaluation's errors; the label waveform's HR otherwise.
        init(dataset: ProcessedDataset, clips selected: [Int]) {
            fps = dataset.fps
            // The labels' type: DiffNormalized for diffnormalized+standardized (DeepPhys/TS-CAN) and
            // for EfficientPhys's Standardized frames with the toolbox's DiffNormalized labels.
            diffNormalized = dataset.labelsAreDiffNormalized
            let labelsT = dataset.labels
            labels = selected.map { labelsT.batch($0..<($0 + 1)).floatValues() }
            let subjects = dataset.subject.scalars(as: Int64.self).map(Int.init)
            let chunks = dataset.chunk.scalars(as: Int64.self).map(Int.init)
            videoIDs = selected.map { subjects[$0] }
            chunkIndices = selected.map { chunks[$0] }
            let hr = dataset.hr.floatValues()
            let sensor = dataset.hrFromSensor.map { s in selected.map { s[$0] } } ?? selected.map { _ in false }
            clipFromSensor = sensor
            let (fps, diff) = (fps, diffNormalized)
            clipTruth = zip(selected, labels).enumerated().map { n, pair in
                if sensor[n] { return Double(hr[pair.0]) }
                return ClipHeartRate.estimate(pair.1, fps: fps, diffNormalized: diff)
            }
            let sensorCount = sensor.filter { $0 }.count
            if dataset.hrFromSensor == nil {
                source = "label"
                sourceNote = "the data file does not say whether its 'hr' comes from a sensor (preprocessed before 'hr_sensor' was recorded, or by another tool), so HR is estimated from the label waveform; run rppg preprocess again to score against the ground-truth HR line"
            } else if sensorCount == sensor.count {
                source = "sensor"
            } else if sensorCount == 0 {
                source = "label"
                sourceNote = "the dataset has no ground-truth HR line, so HR is estimated from the label waveform"
            } else {
                source = "mixed"
                sourceNote = "\(sensorCount) of \(sensor.count) clips have the sensor's HR line; the others are scored against the label waveform's HR"
            }
        }

        /// Per-video truth: the mean sensor HR of the video's clips when all have it, else the
        /// label's whole-video HR (the toolbox's per-video evaluation).
        func videoTruth(_ video: Int, labelHR: Double) -> Double {
            let mine = videoIDs.indices.filter { videoIDs[$0] == video }
            guard !mine.isEmpty, mine.allSatisfy({ clipFromSensor[$0] }) else { return labelHR }
            return mine.map { clipTruth[$0] }.reduce(0, +) / Double(mine.count)
        }
    }

    /// One model's heart rates, per clip and per video.
    struct ModelScores {
        var clipHR: [Double]
        var clipSNR: [Double]
        var clip: VerifyReport.Metrics
        var videos: [Int]
        var videoHR: [Double]
        var videoTruth: [Double]
    }

    static func score(_ outputs: [[Float]], against ref: Reference) -> ModelScores {
        let pulses = outputs.map { ClipHeartRate.pulse($0, fps: ref.fps, diffNormalized: ref.diffNormalized) }
        let clipHR = pulses.map { $0.map { ClipHeartRate.heartRate($0, fps: ref.fps) } ?? .nan }
        let clipSNR = zip(pulses, ref.clipTruth).map { p, t in
            p.map { ClipHeartRate.snr($0, referenceHR: t, fps: ref.fps) } ?? .nan
        }
        let windows = HeartRateEvaluation.evaluate(
            predictions: outputs, labels: ref.labels, videoIDs: ref.videoIDs, chunkIndices: ref.chunkIndices,
            fps: ref.fps, diffNormalized: ref.diffNormalized)
        return ModelScores(
            clipHR: clipHR, clipSNR: clipSNR, clip: metrics(clipHR, ref.clipTruth),
            videos: windows.map(\.video), videoHR: windows.map(\.predicted),
            videoTruth: windows.map { ref.videoTruth($0.video, labelHR: $0.truth) })
    }

    /// Metrics over the pairs where both values are finite (a clip too short to filter has none).
    static func metrics(_ predicted: [Double], _ truth: [Double]) -> VerifyReport.Metrics {
        let pairs = zip(predicted, truth).filter { $0.0.isFinite && $0.1.isFinite }
        let m = HRMetrics.compute(predicted: pairs.map(\.0), truth: pairs.map(\.1))
        return .init(count: m.count, mae: m.mae, rmse: m.rmse, mape: m.mape, pearson: m.pearson.isFinite ? m.pearson : nil,
                     maeStandardError: m.maeStandardError, rmseStandardError: m.rmseStandardError)
    }

    /// Mean of the finite values; nil when there are none.
    static func finiteMean(_ x: [Double]) -> Double? {
        let f = x.filter(\.isFinite)
        return f.isEmpty ? nil : f.reduce(0, +) / Double(f.count)
    }

    /// Mean per-clip Pearson r of the INT8 and FP32 output waveforms, and the clips where it is
    /// undefined (a constant output), which are left out rather than counted as 0.
    static func waveformPearson(_ fp32: [[Float]], _ int8: [[Float]]) -> (mean: Double?, undefined: Int) {
        let r = zip(fp32, int8).map { HRMetrics.pearsonCorrelation($0.map(Double.init), $1.map(Double.init)) }
        return (finiteMean(r), r.filter { !$0.isFinite }.count)
    }

    /// Smallest sets whose MAE and correlation mean something (the issue's rule of thumb).
    static let minimumVideos = 5
    static let minimumClips = 30

    /// Warnings about how far the numbers can be trusted; printed and in the JSON.
    static func warnings(videos: Int, clips: Int, split: String, fp32: ModelScores, int8: ModelScores,
                         videoPearson: (fp32: Double, int8: Double), waveformUndefined: Int) -> [String] {
        var out: [String] = []
        if videos < minimumVideos {
            out.append("only \(videos) video\(videos == 1 ? "" : "s") scored (fewer than \(minimumVideos)): per-video MAE, RMSE and Pearson r say little; \(split == "all" ? "score a larger data file" : "score more subjects (--split all, or a larger data file)")")
        }
        if clips < minimumClips {
            out.append("only \(clips) clip\(clips == 1 ? "" : "s") scored (fewer than \(minimumClips)): per-clip scores are noisy")
        }
        let why = "fewer than 2 values or a constant series"
        if !videoPearson.fp32.isFinite { out.append("FP32 per-video Pearson r is undefined (\(why))") }
        if !videoPearson.int8.isFinite { out.append("INT8 per-video Pearson r is undefined (\(why))") }
        if fp32.clip.pearson == nil { out.append("FP32 per-clip Pearson r is undefined (\(why))") }
        if int8.clip.pearson == nil { out.append("INT8 per-clip Pearson r is undefined (\(why))") }
        if waveformUndefined > 0 {
            out.append("INT8-vs-FP32 waveform Pearson r is undefined on \(waveformUndefined) of \(clips) clips (a constant output); they are left out of its mean")
        }
        return out
    }
}
