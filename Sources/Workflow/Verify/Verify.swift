import Foundation
import NN
import ONNX
import Quantization
import RPPG
import TensorCore

/// `rppg verify`: runs the FP32 and the INT8 model on the subjects of a processed dataset the
/// model was not trained on, turns outputs into heart rates per video and per clip the
/// rPPG-Toolbox way, and compares both with ground truth (the sensor's HR line when the file has
/// it). ACCEPTABLE when the per-video MAE increase is below the threshold.
public enum Verify {
    public struct Options {
        public var data: URL
        public var fp32: URL
        public var int8: URL
        public var threshold: Double = 2.0
        /// Subjects to evaluate; nil = chosen by `split`.
        public var subjects: [Int]? = nil
        /// Which subjects when `subjects` is nil (``VerifySplit``).
        public var split: VerifySplit = .auto
        /// "int8" (integer kernels) or "fakequant" (float simulation of the QDQ graph).
        public var engine: String = "int8"
        /// Per-layer report written by `rppg quantize`; nil = `<int8 model>.report.json` if present.
        public var layerReport: URL? = nil
        public var threads: Int = Parallel.availableCores
        public var showProgress = true
        /// The content of `data` when the caller already loaded it (the pipeline, for its
        /// calibrate step); nil reads the file.
        public var dataset: ProcessedDataset? = nil
        /// The SHA-256 of `data` when the caller already knows it; nil hashes the file if needed.
        public var dataSHA256: String? = nil
        /// Calibration methods to compare (`--methods`), each quantizing the FP32 model anew.
        public var methods: [String] = []
        /// Calibration clips for `methods`; nil takes ``defaultCalibrationFiles``' first existing file.
        public var calibration: URL? = nil

        public init(data: URL, fp32: URL, int8: URL) {
            self.data = data
            self.fp32 = fp32
            self.int8 = int8
        }
    }

    /// Exit code of a run whose INT8 degradation is above the threshold.
    public static let degradationExitCode: Int32 = 3

    public struct VerifyError: UserFacingError {
        public let message: String
        public var description: String { message }
    }

    public static func run(_ options: Options) throws -> VerifyReport {
        let dataset = try options.dataset ?? ProcessedDataset.load(options.data)
        let allSubjects = dataset.subject.scalars(as: Int64.self).map(Int.init)
        let distinct = Array(Set(allSubjects)).sorted()
        let fp32Graph = try ONNXReader.read(options.fp32)
        let int8Graph = try ONNXReader.read(options.int8)
        let choice = try chooseSubjects(options, all: distinct,
                                        record: TrainingRecord(metadata: fp32Graph.metadata) ?? TrainingRecord(metadata: int8Graph.metadata))
        let subjects = choice.subjects
        // Clips in (subject, chunk) order: whole-video evaluation concatenates them in this order.
        let chunks = dataset.chunk.scalars(as: Int64.self).map(Int.init)
        let selected = allSubjects.indices.filter { subjects.contains(allSubjects[$0]) }
            .sorted { (allSubjects[$0], chunks[$0], $0) < (allSubjects[$1], chunks[$1], $1) }
        guard !selected.isEmpty else {
            throw VerifyError(message: "\(options.data.path) has no clips of subjects \(subjects); choose --subjects among \(distinct).")
        }
        let expected = fp32Graph.inputs.first?.shape ?? []
        let clipShape = [1] + dataset.clips.shape.dropFirst()
        // A frame model (DeepPhys, TS-CAN, EfficientPhys) takes each clip's frames as rows.
        guard expected == clipShape || FrameLayout.fits(modelInput: expected, clipShape: clipShape).fits else {
            throw VerifyError(message: "\(options.fp32.path) expects input \(expected) but \(options.data.path) holds clips of \(clipShape); re-export with --frames \(clipShape.count > 2 ? clipShape[2] : 0) or preprocess with the model's size.")
        }
        let comparison = try methodModels(options, fp32Graph: fp32Graph)

        let progress = ProgressBar(total: selected.count, label: "clips", enabled: options.showProgress)
        let engines = try [fp32Engine(fp32Graph), int8Engine(int8Graph, engine: options.engine)]
            + comparison.graphs.map { try int8Engine($0, engine: options.engine) }
        let out = try outputs(dataset, clips: selected, models: engines, threads: options.threads, progress: progress)
        let (fp32Out, int8Out) = (out[0], out[1])

        let ref = Reference(dataset: dataset, clips: selected)
        let fp = score(fp32Out, against: ref)
        let q = score(int8Out, against: ref)
        let truth = fp.videoTruth
        let fpScore = videoScore(fp.videoHR, truth)
        let qScore = videoScore(q.videoHR, truth)
        let increase = qScore.mae - fpScore.mae
        let disagreement = zip(fp.videoHR, q.videoHR).map { abs($0 - $1) }.reduce(0, +) / Double(max(fp.videoHR.count, 1))
        let waveform = waveformPearson(fp32Out, int8Out)
        let perClip = VerifyReport.ClipScores(
            spectrumPoints: ClipHeartRate.spectrumPoints, fp32: fp.clip, int8: q.clip, maeIncrease: q.clip.mae - fp.clip.mae,
            fp32SNR: finiteMean(fp.clipSNR), int8SNR: finiteMean(q.clipSNR), int8FP32WaveformPearson: waveform.mean,
            videos: ref.videoIDs, chunks: ref.chunkIndices, truthHR: ref.clipTruth, fp32HR: fp.clipHR, int8HR: q.clipHR)
        let judged = Self.judge(videoIncrease: increase, clipIncrease: perClip.maeIncrease, threshold: options.threshold)
        let acceptable = judged.acceptable
        let warnings = Self.warnings(videos: fp.videos.count, clips: selected.count, split: choice.split, fp32: fp, int8: q,
                                     videoPearson: (fpScore.pearson, qScore.pearson), waveformUndefined: waveform.undefined)
        let methods = comparison.names.isEmpty ? nil : methodRows(comparison.names, outputs: Array(out.dropFirst(2)),
                                                                  fp32: fp32Out, fp32Scores: fp, against: ref)

        var report = VerifyReport(
            data: options.data.path, fp32Model: options.fp32.path, int8Model: options.int8.path, engine: options.engine,
            subjects: subjects.filter { allSubjects.contains($0) }, clips: selected.count,
            videos: fp.videos, truthHR: truth, fp32: fpScore, int8: qScore,
            maeIncrease: increase, maeIncreasePercent: fpScore.mae > 0 ? 100 * increase / fpScore.mae : 0,
            fp32Int8HRDifference: disagreement, threshold: options.threshold, acceptable: acceptable,
            remedies: acceptable ? [] : remedies,
            waveform: .init(subject: ref.videoIDs[0], fp32: fp32Out[0], int8: int8Out[0], truth: ref.labels[0]),
            layerErrors: loadLayerErrors(options))
        report.split = choice.split
        report.splitReason = choice.reason
        report.hrSource = ref.source
        report.hrSourceNote = ref.sourceNote
        report.perClip = perClip
        report.verdictBasis = judged.basis
        report.methods = methods
        report.calibration = comparison.calibration?.path
        report.warnings = warnings
        report.notes = choice.notes
        return report
    }

    /// What to try when INT8 costs too much accuracy, most effective first.
    public static let remedies = [
        "Compare calibration methods in one run: rppg verify --methods minmax,percentile,entropy,auto, then rppg quantize --method with the best.",
        "Calibrate with more samples (rppg calibrate --num-samples 400) drawn from all subjects.",
        "Quantize weights per channel (rppg quantize --per-channel), the STM32N6 scheme.",
        "Rank layers by the heart-rate error each adds (rppg quantize --report) and leave the worst in float (--auto-exclude K, or --exclude NODE), or retrain (rppg train) with more data.",
    ]

    /// Per-video score (the seed's summary), with each video's predicted HR.
    static func videoScore(_ predicted: [Double], _ truth: [Double]) -> VerifyReport.Score {
        let m = HRMetrics.compute(predicted: predicted, truth: truth)
        return .init(mae: m.mae, rmse: m.rmse, mape: m.mape, pearson: m.pearson,
                     maeStandardError: m.maeStandardError, rmseStandardError: m.rmseStandardError, predictedHR: predicted)
    }

    static func loadLayerErrors(_ options: Options) -> [VerifyReport.LayerError] {
        let url = options.layerReport ?? options.int8.deletingPathExtension().appendingPathExtension("report.json")
        guard let data = try? Data(contentsOf: url),
            let report = try? JSONDecoder().decode(LayerReport.self, from: data)
        else { return [] }
        return report.layers.map { .init(tensor: $0.tensor, sqnrDB: $0.sqnrDB) }
    }
}
