import Dispatch
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
        /// The content of `data` when the caller already loaded it (the pipeline, for its
        /// calibrate step); nil reads the file.
        public var dataset: ProcessedDataset? = nil

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
        // Clips are split over workers, each with its own FP32 and INT8 executor (an executor is
        // not reentrant); both engines run the actual models on every selected clip.
        let workers = max(1, min(options.threads, selected.count))
        let threadsEach = max(1, options.threads / workers)
        guard ["int8", "fakequant"].contains(options.engine) else {
            throw VerifyError(message: "Unknown engine '\(options.engine)'; use int8 or fakequant.")
        }
        func engines() throws -> (fp32: FP32Executor, int8: (Tensor) throws -> Tensor) {
            let fp32 = try FP32Executor(graph: fp32Graph, threads: threadsEach)
            if options.engine == "int8" {
                let executor = try Int8Executor(graph: int8Graph, threads: threadsEach)
                return (fp32, { try executor.run($0) })
            }
            let executor = try FakeQuantExecutor(graph: int8Graph, runner: FP32Runner.factory(threads: threadsEach))
            return (fp32, { try executor.run($0) })
        }
        var fp32Out = [[Float]](repeating: [], count: selected.count)
        var int8Out = [[Float]](repeating: [], count: selected.count)
        let progress = ProgressBar(total: selected.count, label: "clips", enabled: options.showProgress)
        let lock = NSLock()
        var done = 0
        var failure: Error?
        fp32Out.withUnsafeMutableBufferPointer { fpSlots in
            int8Out.withUnsafeMutableBufferPointer { qSlots in
                DispatchQueue.concurrentPerform(iterations: workers) { w in
                    do {
                        let e = try engines()
                        for n in (selected.count * w / workers)..<(selected.count * (w + 1) / workers) {
                            let i = selected[n]
                            let clip = dataset.clips.batch(i..<(i + 1))
                            fpSlots[n] = try e.fp32.run(clip).floatValues()
                            qSlots[n] = try e.int8(clip).floatValues()
                            lock.lock(); done += 1; progress.update(done); lock.unlock()
                        }
                    } catch {
                        lock.lock(); if failure == nil { failure = error }; lock.unlock()
                    }
                }
            }
        }
        if let failure { throw failure }
        let labelsT = dataset.labels
        let labels = selected.map { labelsT.batch($0..<($0 + 1)).floatValues() }
        let videoIDs = selected.map { allSubjects[$0] }

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
