import Foundation
import NN
import RPPG
import TensorCore
import TorchIO
import Training

/// Options of `rppg train`.
public struct TrainOptions: Sendable {
    public var data: URL
    /// A ``ZooArchitecture`` raw value (`tinypulse`, `tinypulse2d`, `physnet`, …).
    public var model: String
    /// Folder for best_model.pth and last_model.pth; the log goes to `logs/` beside it.
    public var output: URL
    public var epochs = 30
    public var batchSize = 4
    public var learningRate = 1e-3
    public var seed: UInt64 = 0
    /// Subjects held out for validation; nil takes the last 20 % of subjects by number.
    public var validationSubjects: [Int]? = nil
    public var resume = false
    public var threads = Parallel.availableCores
    /// Epochs without a better validation MAE before training stops.
    public var patience = 10
    /// nil: the model's rPPG-Toolbox loss (MSE for DeepPhys, TS-CAN, EfficientPhys; Neg-Pearson otherwise).
    public var loss: LossKind? = nil
    public var maxGradientNorm: Double? = nil
    /// Stop after this epoch although the schedule spans `epochs` (an interrupted run, for resume tests).
    public var stopAfterEpoch: Int? = nil

    public init(data: URL, model: String, output: URL) {
        self.data = data
        self.model = model
        self.output = output
    }
}

/// One epoch's line of the training log.
public struct TrainEpochRecord: Sendable, Equatable {
    public var epoch: Int
    public var trainLoss: Double
    /// The training loss on the validation clips (evaluation mode).
    public var validationLoss: Double
    /// Per-clip HR MAE and RMSE against the sensor's HR (the label's estimate without one), as
    /// `rppg verify` scores; the best epoch is the lowest `validationMAE`.
    public var validationMAE: Double
    public var validationRMSE: Double
    /// Per-video HR MAE (against the video's mean sensor HR when every clip has it).
    public var validationVideoMAE: Double
    public var seconds: Double
    public var isBest: Bool

    /// `epoch 3/30  loss 0.4123  val loss 0.3810  val MAE 2.31 BPM  RMSE 3.02 BPM  per-video 1.80 BPM  12.4 s  *best`
    public func line(of total: Int) -> String {
        String(format: "epoch %d/%d  loss %.4f  val loss %.4f  val MAE %.2f BPM  RMSE %.2f BPM  per-video %.2f BPM  %.1f s%@", epoch, total,
               trainLoss, validationLoss, validationMAE, validationRMSE, validationVideoMAE, seconds, isBest ? "  *best" : "")
    }
}

/// What happens during training, for progress display.
public enum TrainEvent: Sendable {
    case message(String)
    case batch(epoch: Int, done: Int, total: Int, loss: Double)
    case epoch(TrainEpochRecord)
}

/// The outcome of `rppg train`.
public struct TrainResult: Sendable {
    public var records: [TrainEpochRecord]
    public var bestEpoch: Int
    public var bestValidationMAE: Double
    /// MAE of always predicting the training subjects' mean HR, the baseline to beat.
    public var meanPredictorMAE: Double
    public var trainingSubjects: [Int]
    public var validationSubjects: [Int]
    public var bestCheckpoint: URL
    public var lastCheckpoint: URL
    public var log: URL
    public var stoppedEarly: Bool
}

/// A training problem the user can fix (bad dataset, impossible split, unusable resume file).
public struct TrainError: UserFacingError, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// `rppg train`: trains a zoo model on a processed dataset, validating by per-clip heart rate
/// against the sensor's HR (as `rppg verify`; the label's estimate without one) after every epoch, and writes PyTorch-loadable checkpoints.
public enum TrainStep {
    public static func run(_ options: TrainOptions, onEvent: (TrainEvent) -> Void = { _ in }) throws -> TrainResult {
        let architecture = try TrainModels.architecture(options.model)
        let lossKind = options.loss ?? TrainModels.defaultLoss(architecture)
        let dataset = try ProcessedDataset.load(options.data)
        let data = try TrainingSplit(dataset: dataset, source: options.data.path, architecture: options.model,
                                     validationSubjects: options.validationSubjects)
        guard options.epochs >= 1, options.batchSize >= 1, options.learningRate > 0, options.learningRate.isFinite else {
            throw TrainError("--epochs and --batch-size must be at least 1 and --lr a positive number")
        }
        let fm = FileManager.default
        try fm.createDirectory(at: options.output, withIntermediateDirectories: true)
        let logs = options.output.deletingLastPathComponent().appendingPathComponent("logs")
        try fm.createDirectory(at: logs, withIntermediateDirectories: true)
        let log = TrainingLog(url: logs.appendingPathComponent("train_\(options.model)_seed\(options.seed).log"))
        func emit(_ event: TrainEvent) {
            if case .message(let m) = event { log.write(m) }
            if case .epoch(let r) = event { log.write(r.line(of: options.epochs)) }
            onEvent(event)
        }

        var config = TrainerConfiguration()
        config.batchSize = options.batchSize
        config.learningRate = options.learningRate
        config.epochs = options.epochs
        config.seed = options.seed
        config.threads = max(1, options.threads)
        config.loss = lossKind
        config.maxGradientNorm = options.maxGradientNorm
        let size = data.clips.shape[3]
        let shapes = TrainModels.parameterShapes(architecture, size: size)
        let initial = ParameterInitialization.pytorchDefaults(shapes, seed: options.seed)
        let stepsPerEpoch = (data.training.count + options.batchSize - 1) / options.batchSize
        let frames = data.frames
        let trainer = TrainModels.trainer(architecture, initialState: initial, configuration: config, stepsPerEpoch: stepsPerEpoch,
                                          frames: frames, size: size)
        let best = options.output.appendingPathComponent("best_model.pth")
        let last = options.output.appendingPathComponent("last_model.pth")
        var startEpoch = 1
        var bestMAE = Double.infinity, bestLoss = Double.infinity, bestEpoch = 0
        if options.resume {
            (startEpoch, bestMAE, bestLoss, bestEpoch) = try resume(trainer, last: last, best: best, shapes: shapes,
                                                          stepsPerEpoch: stepsPerEpoch)
            emit(.message("resuming after epoch \(startEpoch - 1) from \(last.path) (best val MAE \(format(bestMAE)) at epoch \(bestEpoch))"))
        }
        let baseline = data.meanPredictorMAE()
        emit(.message("\(options.model): \(data.training.count) training clips (subjects \(data.trainingSubjects.map(String.init).joined(separator: ","))), \(data.validation.count) validation clips (subjects \(data.validationSubjects.map(String.init).joined(separator: ","))), T \(frames), \(size)×\(size), batch \(options.batchSize)\(architecture.inputLayout == .clips ? "" : " clips (\(options.batchSize * frames) frame rows)"), loss \(lossKind.rawValue), lr \(options.learningRate), seed \(options.seed)"))
        emit(.message("validation: per-clip HR MAE against the \(data.truthDescription), as rppg verify scores; best epoch by per-clip MAE (ties → val loss); per-video MAE beside it"))
        emit(.message(String(format: "mean-HR predictor (training mean) val MAE %.2f BPM per clip", baseline)))

        var records: [TrainEpochRecord] = []
        var sinceBest = 0
        var stoppedEarly = false
        let parameterShapes = trainer.parameterNames.map { name in shapes.first { $0.key == name }!.shape }
        // The data file's SHA-256 travels into the checkpoint and the exported ONNX, so that verify
        // can tell the training file (score its held-out subjects) from any other (score all).
        let dataSHA256 = try SHA256Digest.hexDigest(ofFile: options.data)
        let configValue = configPickle(options, loss: lossKind, frames: frames, data: data) + [("data_sha256", .string(dataSHA256))]
        var epoch = startEpoch
        let finalEpoch = min(options.epochs, options.stopAfterEpoch ?? options.epochs)
        while epoch <= finalEpoch {
            let started = Date()
            let loss = try wrap {
                try trainer.trainEpoch(clips: data.clips, labels: data.labels, indices: data.training, epoch: epoch) { done, total, l in
                    emit(.batch(epoch: epoch, done: done, total: total, loss: l))
                }
            }
            let score = try wrap {
                try data.validate(trainer.predict(clips: data.clips, indices: data.validation), loss: lossKind)
            }
            let (mae, valLoss) = (score.clipMAE, score.loss)
            // Lower per-clip MAE wins; equal MAEs (the periodogram bins HR) go to the lower validation loss.
            let improved = mae < bestMAE || (mae == bestMAE && valLoss < bestLoss)
            let record = TrainEpochRecord(epoch: epoch, trainLoss: loss, validationLoss: valLoss, validationMAE: mae,
                                          validationRMSE: score.clipRMSE, validationVideoMAE: score.videoMAE,
                                          seconds: Date().timeIntervalSince(started), isBest: improved)
            let optimizerState = TrainCheckpoint.optimizerStateDict(trainer.optimizer, shapes: parameterShapes,
                                                                   schedule: trainer.schedule)
            let value = TrainCheckpoint.value(stateDict: trainer.stateDict, optimizer: optimizerState, epoch: epoch,
                                              valMAE: mae, valLoss: valLoss, config: configValue)
            if improved {
                bestMAE = mae
                bestLoss = valLoss
                bestEpoch = epoch
                sinceBest = 0
                try TorchFile.save(value, to: best)
            } else {
                sinceBest += 1
            }
            try TorchFile.save(value, to: last)
            records.append(record)
            emit(.epoch(record))
            if sinceBest >= options.patience && epoch < options.epochs {
                emit(.message("early stop: no better validation MAE for \(options.patience) epochs"))
                stoppedEarly = true
                break
            }
            epoch += 1
        }
        emit(.message(String(format: "best val MAE %.2f BPM at epoch %d → %@", bestMAE, bestEpoch, best.path)))
        return TrainResult(records: records, bestEpoch: bestEpoch, bestValidationMAE: bestMAE, meanPredictorMAE: baseline,
                           trainingSubjects: data.trainingSubjects, validationSubjects: data.validationSubjects,
                           bestCheckpoint: best, lastCheckpoint: last, log: log.url, stoppedEarly: stoppedEarly)
    }

    static func format(_ v: Double) -> String { v.isFinite ? String(format: "%.2f", v) : "n/a" }

    /// Turns internal training errors into a user-facing one.
    static func wrap<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as TrainingError { throw TrainError("training failed: \(e.description)") }
    }

    static func resume(_ trainer: Trainer, last: URL, best: URL, shapes: [(key: String, shape: [Int])],
                       stepsPerEpoch: Int) throws -> (Int, Double, Double, Int) {
        guard FileManager.default.fileExists(atPath: last.path) else {
            throw TrainError("--resume: \(last.path) does not exist; train once without --resume first")
        }
        let checkpoint = try Checkpoint.load(last)
        let entries = shapes.map { ($0.key, checkpoint.stateDict[$0.key]) }
        if let missing = entries.first(where: { $0.1 == nil }) {
            throw TrainError("--resume: \(last.path) has no '\(missing.0)'; it was not written for this model")
        }
        do { try trainer.load(entries.map { ($0.0, $0.1!) }) } catch let e as TrainingError {
            throw TrainError("--resume: \(last.path): \(e.description)")
        }
        guard let epoch = checkpoint.epoch, epoch >= 1 else { throw TrainError("--resume: \(last.path) has no epoch number") }
        guard let optimizerState = checkpoint.root["optimizer_state_dict"] else {
            throw TrainError("--resume: \(last.path) has no optimizer_state_dict")
        }
        let parameterShapes = trainer.parameterNames.map { name in shapes.first { $0.key == name }!.shape }
        try TrainCheckpoint.restore(&trainer.optimizer, from: optimizerState, shapes: parameterShapes, source: last.path)
        trainer.globalStep = epoch * stepsPerEpoch
        var bestMAE = checkpoint.valMAE ?? .infinity, bestEpoch = epoch
        var bestLoss = checkpoint.root["val_loss"]?.doubleValue ?? .infinity
        if let b = try? Checkpoint.load(best), let mae = b.valMAE, let e = b.epoch {
            bestMAE = mae
            bestEpoch = e
            bestLoss = b.root["val_loss"]?.doubleValue ?? .infinity
        }
        return (epoch + 1, bestMAE, bestLoss, bestEpoch)
    }

    static func configPickle(_ o: TrainOptions, loss: LossKind, frames: Int, data: TrainingSplit) -> [(String, PickleValue)] {
        [
            ("model", .string(o.model)), ("data", .string(o.data.path)), ("epochs", .int(Int64(o.epochs))),
            ("batch_size", .int(Int64(o.batchSize))), ("lr", .float(o.learningRate)), ("seed", .int(Int64(o.seed))),
            ("optimizer", .string("Adam")), ("scheduler", .string("OneCycleLR")), ("loss", .string(loss.rawValue)),
            ("frames", .int(Int64(frames))), ("fps", .float(data.fps)), ("input_type", .string(data.inputType)),
            ("train_subjects", .list(data.trainingSubjects.map { .int(Int64($0)) })),
            ("val_subjects", .list(data.validationSubjects.map { .int(Int64($0)) })),
            ("patience", .int(Int64(o.patience))), ("trainer", .string("rppg-swift")),
        ]
    }
}

/// Appends lines to the training log (created fresh for each run).
final class TrainingLog: @unchecked Sendable {
    let url: URL
    init(url: URL) {
        self.url = url
        FileManager.default.createFile(atPath: url.path, contents: nil)
    }
    func write(_ line: String) {
        guard let h = try? FileHandle(forWritingTo: url) else { return }
        h.seekToEndOfFile()
        h.write(Data((line + "\n").utf8))
        try? h.close()
    }
}
