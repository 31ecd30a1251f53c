import Foundation
import NN
import ONNX
import Quantization
import RPPG
import TensorCore

/// `rppg verify`: runs the FP32 and the INT8 model on the held-out subjects of a processed
/// dataset, turns outputs into per-video heart rates the rPPG-Toolbox way, and compares both
/// with ground truth. ACCEPTABLE when the MAE increase is below the threshold.
public enum Verify {
    public struct Options {
        public var data: URL
        public var fp32: URL
        public var int8: URL
        public var threshold: Double = 2.0
        /// Subjects to evaluate; nil = the held-out split (``SubjectSplit``).
        public var subjects: [Int]? = nil
        /// "int8" (integer kernels) or "fakequant" (float simulation of the QDQ graph).
        public var engine: String = "int8"
        /// Per-layer report written by `rppg quantize`; nil = `<int8 model>.report.json` if present.
        public var layerReport: URL? = nil
        public var threads: Int = Parallel.availableCores
        public var showProgress = true

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
        let dataset = try ProcessedDataset.load(options.data)
        let allSubjects = dataset.subject.scalars(as: Int64.self).map(Int.init)
        let subjects = options.subjects ?? SubjectSplit.heldOut(Array(Set(allSubjects)).sorted())
        let selected = allSubjects.indices.filter { subjects.contains(allSubjects[$0]) }
        guard !selected.isEmpty else {
            throw VerifyError(message: "\(options.data.path) has no clips of subjects \(subjects); choose --subjects among \(Array(Set(allSubjects)).sorted()).")
        }

        let fp32Graph = try ONNXReader.read(options.fp32)
        let int8Graph = try ONNXReader.read(options.int8)
        let expected = fp32Graph.inputs.first?.shape ?? []
        let clipShape = [1] + dataset.clips.shape.dropFirst()
        guard expected == clipShape else {
            throw VerifyError(message: "\(options.fp32.path) expects input \(expected) but \(options.data.path) holds clips of \(clipShape); re-export with --frames \(clipShape.count > 2 ? clipShape[2] : 0) or preprocess with the model's size.")
        }
        let fp32 = try FP32Executor(graph: fp32Graph, threads: options.threads)
        let runInt8: (Tensor) throws -> Tensor
        switch options.engine {
        case "int8":
            let executor = try Int8Executor(graph: int8Graph, threads: options.threads)
            runInt8 = { try executor.run($0) }
        case "fakequant":
            let executor = try FakeQuantExecutor(graph: int8Graph, runner: FP32Runner.factory(threads: options.threads))
            runInt8 = { try executor.run($0) }
        default:
            throw VerifyError(message: "Unknown engine '\(options.engine)'; use int8 or fakequant.")
        }

        var fp32Out: [[Float]] = []
        var int8Out: [[Float]] = []
        var labels: [[Float]] = []
        var videoIDs: [Int] = []
        let labelsT = dataset.labels
        let progress = ProgressBar(total: selected.count, label: "clips", enabled: options.showProgress)
        for (n, i) in selected.enumerated() {
            let clip = dataset.clips.batch(i..<(i + 1))
            fp32Out.append(try fp32.run(clip).floatValues())
            int8Out.append(try runInt8(clip).floatValues())
            labels.append(labelsT.batch(i..<(i + 1)).floatValues())
            videoIDs.append(allSubjects[i])
            progress.update(n + 1)
        }

        let diff = dataset.inputType.lowercased() == "diffnormalized"
        let fpHR = HeartRateEvaluation.perVideo(predictions: fp32Out, labels: labels, videoIDs: videoIDs,
                                                fps: dataset.fps, diffNormalized: diff)
        let qHR = HeartRateEvaluation.perVideo(predictions: int8Out, labels: labels, videoIDs: videoIDs,
                                               fps: dataset.fps, diffNormalized: diff)
        let truth = fpHR.map(\.truth)
        let fpScore = score(fpHR.map(\.predicted), truth)
        let qScore = score(qHR.map(\.predicted), truth)
        let increase = qScore.mae - fpScore.mae
        let acceptable = increase < options.threshold
        let disagreement = zip(fpHR, qHR).map { abs($0.predicted - $1.predicted) }.reduce(0, +) / Double(max(fpHR.count, 1))

        return VerifyReport(
            data: options.data.path, fp32Model: options.fp32.path, int8Model: options.int8.path, engine: options.engine,
            subjects: subjects.filter { allSubjects.contains($0) }, clips: selected.count,
            videos: fpHR.map(\.video), truthHR: truth, fp32: fpScore, int8: qScore,
            maeIncrease: increase, maeIncreasePercent: fpScore.mae > 0 ? 100 * increase / fpScore.mae : 0,
            fp32Int8HRDifference: disagreement, threshold: options.threshold, acceptable: acceptable,
            remedies: acceptable ? [] : remedies,
            waveform: .init(subject: videoIDs[0], fp32: fp32Out[0], int8: int8Out[0], truth: labels[0]),
            layerErrors: loadLayerErrors(options))
    }

    /// What to try when INT8 costs too much accuracy, most effective first.
    public static let remedies = [
        "Calibrate with more samples (rppg calibrate --num-samples 400) drawn from all subjects.",
        "Try another calibration method: rppg quantize --method percentile (heavy-tailed DiffNormalized inputs) or --method entropy.",
        "Quantize weights per channel (rppg quantize --per-channel), the STM32N6 scheme.",
        "Look at the per-layer SQNR (rppg quantize --report) and keep the worst layer in float, or retrain (rppg train) with more data.",
    ]

    static func score(_ predicted: [Double], _ truth: [Double]) -> VerifyReport.Score {
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
