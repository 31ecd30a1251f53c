import Foundation
import RPPG
import TensorCore
import Training

/// A processed dataset checked for training and split by subject: validation subjects are held
/// out whole, so no clip of a validation subject is ever trained on.
struct TrainingSplit {
    var clips: Tensor
    var labels: Tensor
    var subjects: [Int]
    var chunks: [Int]
    var fps: Double
    var inputType: String
    var frames: Int
    var training: [Int]
    /// Validation clips ordered by (subject, chunk), as the per-video evaluation needs them.
    var validation: [Int]
    var trainingSubjects: [Int]
    var validationSubjects: [Int]
    /// The validation clips' ground truth as `rppg verify` scores it: the sensor's HR per clip
    /// where the file has it, the label waveform's estimate otherwise (``source`` says which).
    var reference: Verify.Reference
    /// The training clips' true HR, for the mean-HR predictor baseline.
    var trainingTruth: [Double]

    init(dataset: ProcessedDataset, source: String, architecture: String, validationSubjects requested: [Int]?) throws {
        let c = dataset.clips, l = dataset.labels
        let a = try TrainModels.architecture(architecture)
        try Self.checkInput(dataset, source: source, architecture: a)
        let (n, t) = (c.shape[0], c.shape[2])
        guard l.shape == [n, t], dataset.subject.elementCount == n, dataset.chunk.elementCount == n else {
            throw TrainError("\(source): labels \(l.shape), subject \(dataset.subject.shape), chunk \(dataset.chunk.shape) do not match \(n) clips of \(t) frames")
        }
        guard dataset.fps.isFinite, dataset.fps > 0 else { throw TrainError("\(source): fps \(dataset.fps) is not a positive number") }
        let clipsOK = c.dtype == .float32
            ? c.withUnsafeBufferPointer(of: Float.self) { $0.allSatisfy(\.isFinite) }
            : c.doubleValues().allSatisfy(\.isFinite)
        guard clipsOK, l.doubleValues().allSatisfy(\.isFinite) else {
            throw TrainError("\(source): clips or labels contain NaN or infinity; run rppg preprocess again")
        }
        clips = c.toFloat32()
        labels = l.toFloat32()
        let subjects = dataset.subject.doubleValues().map { Int($0) }
        let chunks = dataset.chunk.doubleValues().map { Int($0) }
        self.subjects = subjects
        self.chunks = chunks
        fps = dataset.fps
        inputType = dataset.inputType
        frames = t
        let all = Array(Set(subjects)).sorted()
        let held: [Int]
        if let requested, !requested.isEmpty {
            let unknown = requested.filter { !all.contains($0) }
            guard unknown.isEmpty else {
                throw TrainError("--val-subjects \(unknown.map(String.init).joined(separator: ",")) not in \(source) (subjects: \(all.map(String.init).joined(separator: ",")))")
            }
            held = requested.sorted()
        } else {
            guard all.count >= 2 else {
                throw TrainError("\(source) has a single subject; a subject-wise validation split needs at least two")
            }
            held = SubjectSplit.heldOut(all)  // the same held-out subjects rppg verify evaluates
        }
        validationSubjects = held
        trainingSubjects = all.filter { !held.contains($0) }
        guard !trainingSubjects.isEmpty else { throw TrainError("every subject is held out for validation; nothing is left to train on") }
        let heldSet = Set(held)
        training = (0..<n).filter { !heldSet.contains(subjects[$0]) }
        validation = (0..<n).filter { heldSet.contains(subjects[$0]) }
            .sorted { (subjects[$0], chunks[$0]) < (subjects[$1], chunks[$1]) }
        reference = Verify.Reference(dataset: dataset, clips: validation)
        trainingTruth = Verify.Reference(dataset: dataset, clips: training).clipTruth
    }


    /// The clips' layout, side, input type and length against what the model takes, each with
    /// the `rppg preprocess` option that fixes it.
    static func checkInput(_ dataset: ProcessedDataset, source: String, architecture a: ZooArchitecture) throws {
        let c = dataset.clips, name = a.rawValue
        let channels: Int
        if case .frames(let k, _) = a.inputLayout { channels = k } else { channels = 3 }
        guard c.rank == 5, c.shape[0] >= 1, c.shape[1] == channels else {
            let fix = channels == 6 ? "preprocess with --input-type diffnormalized+standardized" : "run rppg preprocess again"
            throw TrainError("\(source): clips have shape \(c.shape), expected [N, \(channels), T, H, W] for \(name); \(fix)")
        }
        let sizes = TrainModels.inputSizes(a), side = c.shape[3]
        guard side == c.shape[4], sizes.contains(side) else {
            throw TrainError("\(source): clips are \(c.shape[3])×\(c.shape[4]) but \(name) takes "
                             + sizes.map { "\($0)×\($0)" }.joined(separator: ", ") + "; preprocess with --size \(sizes[0])")
        }
        // rPPG-Toolbox's DATA_TYPE for EfficientPhys is Standardized: the model differences the frames itself.
        if a == .efficientPhys, dataset.inputType.lowercased() != InputType.standardized.rawValue {
            throw TrainError("\(source) holds \(dataset.inputType) clips but efficientphys takes Standardized frames "
                             + "(it differences them itself); preprocess with --input-type standardized")
        }
        // The temporal shift runs within segments of frame_depth frames, which must not span two clips.
        if a == .tsCAN || a == .efficientPhys, c.shape[2] % ModelZoo.frameDepth != 0 {
            throw TrainError("\(source): clips are \(c.shape[2]) frames long but \(name) shifts features within segments of "
                             + "\(ModelZoo.frameDepth) frames; preprocess with --chunk \(ModelZoo.defaultFrames(a)) (a multiple of \(ModelZoo.frameDepth))")
        }
    }

    func labelRows(_ indices: [Int]) -> [[Float]] {
        let v = labels.floatValues()
        return indices.map { Array(v[($0 * frames)..<(($0 + 1) * frames)]) }
    }

    /// Validation scores of predictions (given in ``validation`` order), as `rppg verify` computes
    /// them: per-clip HR MAE and RMSE against the sensor's HR (the label's estimate without one),
    /// per-video MAE beside it, and the mean training loss over the validation clips (the
    /// tie-breaker between equal MAEs).
    func validate(_ predictions: [[Float]], loss kind: LossKind) throws -> ValidationScore {
        let scores = Verify.score(predictions, against: reference)
        let video = HRMetrics.compute(predicted: scores.videoHR, truth: scores.videoTruth)
        let p = Tensor(shape: [predictions.count, frames], scalars: predictions.flatMap { $0 })
        let l = Tensor(shape: [predictions.count, frames], scalars: labelRows(validation).flatMap { $0 })
        let loss = kind == .negativePearson
            ? try Loss.negativePearson(predictions: p, labels: l).value
            : try Loss.meanSquaredError(predictions: p, labels: l).value
        return ValidationScore(clipMAE: scores.clip.mae, clipRMSE: scores.clip.rmse, videoMAE: video.mae, loss: loss)
    }

    /// What the validation clips are scored against, for the log: "sensor HR", "label HR" or "mixed".
    var truthDescription: String {
        let base = reference.source == "mixed" ? "mixed sensor/label HR" : "\(reference.source) HR"
        return reference.sourceNote.map { "\(base) (\($0))" } ?? base
    }

    /// Per-clip MAE of predicting, for every validation clip, the training clips' mean true HR
    /// (the same truth the validation scores use).
    func meanPredictorMAE() -> Double {
        let train = trainingTruth.filter(\.isFinite), val = reference.clipTruth
        guard !train.isEmpty, !val.isEmpty else { return .nan }
        let mean = train.reduce(0, +) / Double(train.count)
        return Verify.metrics(val.map { _ in mean }, val).mae
    }
}

/// One validation pass: per-clip scores (what picks the best epoch), per-video MAE, and the loss.
struct ValidationScore: Equatable {
    var clipMAE: Double
    var clipRMSE: Double
    var videoMAE: Double
    var loss: Double
}
