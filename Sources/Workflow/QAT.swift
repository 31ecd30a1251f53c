import Foundation
import NN
import ONNX
import Quantization
import RPPG
import TensorCore
import TorchIO
import Training

/// Options of `rppg qat`.
public struct QATOptions: Sendable {
    public var checkpoint: URL
    public var data: URL
    /// Folder for `qat_model.pth` and `rppg_int8_qat.onnx`.
    public var output: URL
    /// Calibration clips; nil samples `calibrationSamples` clips of `data` as `rppg calibrate` does.
    public var calibration: URL?
    public var calibrationSamples = 200
    /// How the fixed activation ranges are calibrated (as `rppg quantize --method`), and the rest
    /// of the quantizer's options.
    public var quantization = QuantizationOptions(method: .auto)
    public var epochs = 5
    public var batchSize = 4
    /// Peak of the OneCycle schedule: fine-tuning wants less than training from scratch.
    public var learningRate = 1e-4
    public var loss: LossKind = .negativePearson
    public var seed: UInt64 = 0
    public var threads = Parallel.availableCores
    /// Validation subjects; nil takes the same held-out subjects as `rppg train`.
    public var validationSubjects: [Int]? = nil
    /// Train the activation scales too (LSQ), starting from the calibrated ones: a range that
    /// outliers stretched (MinMax on motion edges) can shrink where clipping costs less than
    /// rounding. The zero points stay; the scales written are the trained ones.
    public var learnScales = false
    /// With `learnScales`: the scales' learning rate as a fraction of each starting scale per
    /// step at the schedule's peak (Adam steps are about the learning rate, and activation scales
    /// span orders of magnitude, so one absolute rate cannot serve them all).
    public var scaleLearningRate = 0.01

    public init(checkpoint: URL, data: URL, output: URL) {
        self.checkpoint = checkpoint
        self.data = data
        self.output = output
    }
}

/// Accuracy of one model on the validation subjects.
public struct QATScore: Sendable, Equatable, Codable {
    /// Per-video HR MAE (BPM), against the video's mean sensor HR when every clip has it.
    public var videoMAE: Double
    /// Per-clip HR MAE (BPM) against the sensor's HR (the label's estimate without one), as
    /// `rppg train` and `rppg verify` score; the best epoch is the lowest.
    public var clipMAE: Double
    /// The training loss on the validation clips.
    public var loss: Double
}

/// What `rppg qat` did.
public struct QATResult: Sendable {
    public var architecture: String
    public var method: String
    public var calibrationClips: Int
    public var trainingClips: Int
    public var validationSubjects: [Int]
    /// FP32, post-training quantization (the QDQ model's fake-quant forward before fine-tuning),
    /// and each epoch's fake-quant forward; the written model is the best epoch.
    public var fp32: QATScore
    public var ptq: QATScore
    public var epochs: [QATScore]
    public var bestEpoch: Int
    public var checkpoint: URL
    public var model: URL
    /// The fake-quant model and the written (best epoch's) weights and learned activation scales
    /// (empty unless `learnScales`): `qat.trainingGraph(weights: trained)` runs what the int8
    /// engine runs from ``model``.
    public var qat: QATModel
    public var weights: [String: Tensor]
    public var scales: [String: Tensor]
    public var trained: [String: Tensor] { weights.merging(scales) { a, _ in a } }

    public var best: QATScore { epochs[bestEpoch - 1] }

    public func text() -> String {
        func line(_ name: String, _ s: QATScore) -> String {
            String(format: "  %-10@ per-video MAE %6.2f BPM  per-clip MAE %6.2f BPM  loss %.4f", name as NSString, s.videoMAE, s.clipMAE, s.loss)
        }
        var lines = ["QAT of \(architecture): \(method) ranges from \(calibrationClips) calibration clips, \(trainingClips) training clips, validation subjects \(validationSubjects.map(String.init).joined(separator: ","))",
                     line("FP32", fp32), line("INT8 PTQ", ptq)]
        for (i, s) in epochs.enumerated() { lines.append(line("epoch \(i + 1)", s) + (i + 1 == bestEpoch ? "  *best" : "")) }
        lines.append("Wrote \(model.path) (QDQ, activation scales as trained) and \(checkpoint.path) (epoch \(bestEpoch))")
        return lines.joined(separator: "\n")
    }
}

/// A bad `rppg qat` request or a fine-tuning run that failed.
public struct QATError: UserFacingError {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// `rppg qat`: quantization-aware fine-tuning. The checkpoint's inference graph is calibrated and
/// given Q/DQ exactly as `rppg quantize` does, then trained with fake-quant in the loop
/// (``QATModel``: fixed activation scales, weight scales recomputed from the weights every step,
/// straight-through gradients), and written as a checkpoint with the input's keys and as the
/// QDQ ONNX of the fine-tuned weights with the calibrated activation scales.
public enum QATStep {
    public static let checkpointName = "qat_model.pth"
    public static let modelName = "rppg_int8_qat.onnx"

    public static func run(_ o: QATOptions, onEvent: (TrainEvent) -> Void = { _ in }) throws -> QATResult {
        guard o.epochs >= 1, o.batchSize >= 1, o.learningRate > 0, o.learningRate.isFinite, o.calibrationSamples >= 1,
              o.scaleLearningRate > 0, o.scaleLearningRate < 1 else {
            throw QATError("--epochs, --batch-size and --calibration-samples must be at least 1, --lr a positive number and --scale-lr between 0 and 1")
        }
        // The fake-quant training rules round to int8 (and int16) grids; a uint8 model is PTQ only.
        guard o.quantization.activationType == .int8 else {
            throw QATError("rppg qat trains int8 activations (int16 for tensors named by --int16); --activation-type uint8 is for rppg quantize")
        }
        for (flag, url) in [("--checkpoint", o.checkpoint), ("--data", o.data)] + (o.calibration.map { [("--calibration", $0)] } ?? [])
        where !FileManager.default.fileExists(atPath: url.path) {
            throw QATError("\(flag) \(url.path) does not exist; \(flag == "--data" ? "run rppg preprocess first" : flag == "--checkpoint" ? "train one with rppg train" : "make one with rppg calibrate")")
        }
        let dataset = try ProcessedDataset.load(o.data)
        let t = dataset.clips.rank == 5 ? dataset.clips.shape[2] : 0
        if let a = try? ModelZoo.detect(Checkpoint.load(o.checkpoint)).architecture, let why = a.clipStepRefusal("qat") {
            throw QATError(why)
        }
        let (exported, architecture, _) = try ExportModel.inferenceGraph(
            ExportOptions(checkpoint: o.checkpoint, output: o.output, frames: t > 0 ? t : nil))
        let split = try TrainingSplit(dataset: dataset, source: o.data.path, architecture: architecture.rawValue,
                                      validationSubjects: o.validationSubjects)
        // The graph `rppg quantize` would read from `rppg export`'s file: the same bytes, decoded.
        let fp32 = try ONNXReader.decode(ONNXWriter.encode(exported), source: o.checkpoint.path)
        let clips = try calibrationClips(o, data: split.clips)
        let ranges = try calibrate(fp32, clips: clips, options: o)
        let qat = try QATModel(fp32: fp32, ranges: ranges, options: o.quantization)

        var config = TrainerConfiguration()
        config.batchSize = o.batchSize
        config.learningRate = o.learningRate
        config.epochs = o.epochs
        config.seed = o.seed
        config.threads = max(1, o.threads)
        config.loss = o.loss
        let scaleNames = o.learnScales ? qat.activationScaleNames : []
        let initial = qat.parameterNames.map { (key: $0, tensor: qat.fp32.initializers[$0]!) }
            + scaleNames.map { (key: $0, tensor: qat.qdq.initializers[$0]!) }
        let trainer = Trainer(initialState: initial, configuration: config,
                              stepsPerEpoch: (split.training.count + o.batchSize - 1) / o.batchSize) { _, inits in
            // Shapes are read from the clips, so one graph serves every batch size.
            try qat.trainingGraph(weights: inits)
        }
        trainer.refreshDerived = { g in try qat.refreshWeightParameters(g) }
        if !scaleNames.isEmpty {
            // Each scale moves by about `scaleLearningRate` of its start per step at the peak.
            trainer.optimizer.learningRateFactors = qat.parameterNames.map { _ in 1 }
                + scaleNames.map { o.scaleLearningRate * Double(qat.qdq.initializers[$0]!.floatValues()[0]) / o.learningRate }
        }
        let fp32Score = try score(split, try fp32Predictions(fp32, split: split, threads: o.threads), loss: o.loss)
        let ptqScore = try score(split, try TrainStep.wrap { try trainer.predict(clips: split.clips, indices: split.validation) }, loss: o.loss)
        onEvent(.message("validation: per-clip HR MAE against the \(split.truthDescription); per-video MAE beside it"))
        onEvent(.message(String(format: "FP32 val MAE %.2f BPM per clip (per-video %.2f), INT8 PTQ (%@) %.2f BPM per clip (per-video %.2f)", fp32Score.clipMAE, fp32Score.videoMAE, o.quantization.method.rawValue, ptqScore.clipMAE, ptqScore.videoMAE)))

        var scores: [QATScore] = []
        var best: (epoch: Int, state: [(key: String, tensor: Tensor)])?
        for epoch in 1...o.epochs {
            let trainLoss = try TrainStep.wrap {
                try trainer.trainEpoch(clips: split.clips, labels: split.labels, indices: split.training, epoch: epoch) { done, total, l in
                    onEvent(.batch(epoch: epoch, done: done, total: total, loss: l))
                }
            }
            let s = try score(split, try TrainStep.wrap { try trainer.predict(clips: split.clips, indices: split.validation) }, loss: o.loss)
            scores.append(s)
            // As `rppg train`: lower per-clip MAE wins, the validation loss breaks ties.
            let improved = best.map { s.clipMAE < scores[$0.epoch - 1].clipMAE
                || (s.clipMAE == scores[$0.epoch - 1].clipMAE && s.loss < scores[$0.epoch - 1].loss) } ?? true
            if improved { best = (epoch, trainer.stateDict) }
            onEvent(.message(String(format: "epoch %d/%d  loss %.4f  val MAE %.2f BPM per clip  per-video %.2f BPM%@", epoch, o.epochs,
                                    trainLoss, s.clipMAE, s.videoMAE, improved ? "  *best" : "")))
        }
        let (bestEpoch, state) = best!
        let trained = Dictionary(uniqueKeysWithValues: state.map { ($0.key, $0.tensor) })
        try FiniteWeights.check(StateDict(state), source: o.checkpoint)
        let weights = trained.filter { qat.activationScales[$0.key] == nil }, scales = trained.filter { qat.activationScales[$0.key] != nil }

        var qdq = try qat.quantized(trained)
        qdq.metadata = fp32.metadata.merging(qdq.metadata) { _, new in new }
        qdq.metadata["qat"] = "\(bestEpoch) of \(o.epochs) epochs, lr \(o.learningRate), \(o.quantization.method.rawValue) activation ranges"
            + (o.learnScales ? ", activation scales learned (LSQ, scale lr \(o.scaleLearningRate))" : "")
        let checkpoint = try QATCheckpoint.value(source: o.checkpoint, folded: qat.fp32, weights: weights,
                                                 epoch: bestEpoch, valMAE: scores[bestEpoch - 1].clipMAE, options: o)
        try FileManager.default.createDirectory(at: o.output, withIntermediateDirectories: true)
        let model = o.output.appendingPathComponent(modelName), pth = o.output.appendingPathComponent(checkpointName)
        try ONNXWriter.write(qdq, to: model)
        try TorchFile.save(checkpoint, to: pth)
        return QATResult(architecture: architecture.rawValue, method: o.quantization.method.rawValue,
                         calibrationClips: clips.shape[0], trainingClips: split.training.count,
                         validationSubjects: split.validationSubjects, fp32: fp32Score, ptq: ptqScore, epochs: scores,
                         bestEpoch: bestEpoch, checkpoint: pth, model: model, qat: qat, weights: weights, scales: scales)
    }

    /// The calibration file's clips, or `calibrationSamples` clips of the data as `rppg calibrate` picks them.
    static func calibrationClips(_ o: QATOptions, data: Tensor) throws -> Tensor {
        if let file = o.calibration { return try CalibrationData.loadClips(file) }
        let indices = CalibrationData.sample(count: data.shape[0], take: o.calibrationSamples, seed: 0)
        return Tensor(concatenatingBatches: indices.map { data.batch($0..<($0 + 1)) })
    }

    /// Activation ranges as `rppg quantize` calibrates them (``Calibrator`` on NN's FP32 executor).
    static func calibrate(_ fp32: Graph, clips: Tensor, options o: QATOptions) throws -> [String: TensorRange] {
        let n = clips.shape[0]
        let runner = FP32Runner.factory(threads: FP32Runner.threadsPerWorker(clips: n, threads: o.quantization.threads))
        do {
            return try Calibrator.ranges(fp32, clipCount: n, clip: { clips.batch($0..<($0 + 1)) }, options: o.quantization,
                                         runner: runner, wholeGraph: runner)
        } catch let e as QuantizationError {
            guard case .badCalibrationClip = e else { throw e }
            let source = o.calibration?.path ?? o.data.path
            throw CalibrationData.FileError(path: source, reason: "\(e.description) Use clips shaped like the model input \(fp32.inputs.first?.shape ?? []).")
        }
    }

    static func fp32Predictions(_ fp32: Graph, split: TrainingSplit, threads: Int) throws -> [[Float]] {
        let exec = try FP32Executor(graph: GraphPasses.optimizeForInference(fp32), threads: max(1, threads))
        return try split.validation.map { try exec.run(split.clips.batch($0..<($0 + 1))).floatValues() }
    }

    static func score(_ split: TrainingSplit, _ predictions: [[Float]], loss: LossKind) throws -> QATScore {
        let v = try split.validate(predictions, loss: loss)
        return QATScore(videoMAE: v.videoMAE, clipMAE: v.clipMAE, loss: v.loss)
    }
}

extension QATModel {
    /// Before each step: the weight scales (and zero points) of `g` recomputed by the quantizer
    /// from `g`'s current weights, and the bias scales `s_x·s_w` from its current activation
    /// scales where those are trained, so that the trained forward is the model written.
    func refreshWeightParameters(_ g: TrainableGraph) throws {
        let learned = g.parameterNames.filter { activationScales[$0] != nil }
        let weights = Dictionary(uniqueKeysWithValues: (parameterNames + learned).compactMap { n in g.initializer(n).map { (n, $0) } })
        for (name, value) in try weightParameters(weights) { try g.setInitializer(name, value) }
    }
}
