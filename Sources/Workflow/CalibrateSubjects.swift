import Foundation
import ONNX
import RPPG
import TensorCore
import TorchIO

/// Which subjects `rppg calibrate` draws clips from.
///
/// Calibration clips must not come from the subjects `rppg verify` scores: ranges fitted on the
/// very clips that are then scored (and `--method auto`'s choice, judged on held-back calibration
/// clips) would flatter the INT8 model. Given the model (`--model` ONNX or checkpoint, which
/// records its training file and validation subjects), calibrate leaves out exactly the subjects
/// that verify's `--split auto` scores on the same file.
extension CalibrationData {
    /// The subjects chosen and why (printed by the CLI); `warning` when the choice cannot keep
    /// calibration and verification apart.
    public struct SubjectChoice: Sendable, Equatable {
        public var subjects: [Int]
        public var reason: String
        public var warning: String?
    }

    /// The training record of `url`: an ONNX model's metadata or a checkpoint's `config`; nil
    /// when it carries none.
    public static func trainingRecord(ofModel url: URL) throws -> TrainingRecord? {
        if url.pathExtension.lowercased() == "onnx" {
            return TrainingRecord(metadata: try ONNXReader.read(url).metadata)
        }
        return TrainingRecord(metadata: TrainingRecord.metadata(try Checkpoint.load(url).root["config"]))
    }

    /// `given` (`--subjects`) wins, then `excluded` (`--exclude-subjects`); otherwise the model's
    /// record decides: on its training file, every subject but the validation ones (those verify
    /// scores); on another file, all subjects with a warning (verify scores all of them too).
    public static func chooseSubjects(data: URL, all: [Int], record: TrainingRecord?, modelGiven: Bool,
                                      given: [Int]? = nil, excluded: [Int] = []) throws -> SubjectChoice {
        let available = all.map(String.init).joined(separator: ",")
        func check(_ list: [Int], _ flag: String) throws {
            let unknown = list.filter { !all.contains($0) }
            guard unknown.isEmpty else {
                throw FileError(path: data.path, reason: "has no subject \(unknown.map(String.init).joined(separator: ",")) (\(flag)); its subjects are \(available)")
            }
        }
        if let given {
            try check(given, "--subjects")
            return SubjectChoice(subjects: given.sorted(), reason: "subjects given by --subjects")
        }
        if !excluded.isEmpty {
            try check(excluded, "--exclude-subjects")
            return SubjectChoice(subjects: all.filter { !excluded.contains($0) }, reason: "all subjects but those given by --exclude-subjects")
        }
        guard let record else {
            let why = modelGiven ? "the model records no training data file" : "no --model given"
            return SubjectChoice(subjects: all, reason: "all subjects (\(why)); when this file is also verified, "
                                 + "pass --model (or --exclude-subjects) so that verification subjects stay out")
        }
        let sha = try SHA256Digest.hexDigest(ofFile: data)
        guard sha == record.dataSHA256 else {
            return SubjectChoice(
                subjects: all, reason: "all subjects (\(data.lastPathComponent) is not the model's training file)",
                warning: "rppg verify --split auto scores every subject of \(data.lastPathComponent), so calibrating on it uses "
                    + "verification subjects; calibrate from the training file, or split the subjects with --exclude-subjects")
        }
        let recorded = record.validationSubjects.filter(all.contains)
        let held = recorded.isEmpty ? SubjectSplit.heldOut(all) : recorded
        let training = all.filter { !held.contains($0) }
        guard !training.isEmpty else {
            throw FileError(path: data.path, reason: "holds only the model's validation subjects (\(held.map(String.init).joined(separator: ","))); calibrate from the training file, or pass --subjects")
        }
        return SubjectChoice(subjects: training,
                             reason: "the model's training subjects (validation subjects \(held.map(String.init).joined(separator: ",")), which verify scores, left out)")
    }

    /// `numSamples` clips of the chosen subjects of `dataset` (seeded, as ``calibrate(clips:output:numSamples:seed:)``),
    /// written as `{'clips', 'indices', 'subject'}` with `indices` into the dataset.
    public static func calibrate(dataset: ProcessedDataset, subjects: [Int], output: URL,
                                 numSamples: Int = 200, seed: UInt64 = 0) throws -> Summary {
        guard numSamples > 0 else {
            throw FileError(path: output.path, reason: "--num-samples must be at least 1 (got \(numSamples))")
        }
        let wanted = Set(subjects)
        let clipSubjects = dataset.subject.doubleValues().map { Int($0) }
        let pool = clipSubjects.indices.filter { wanted.contains(clipSubjects[$0]) }
        guard !pool.isEmpty, dataset.clips.rank == 5 else {
            throw FileError(path: output.path, reason: "subjects \(subjects.map(String.init).joined(separator: ",")) have no clips to calibrate on")
        }
        let indices = sample(count: pool.count, take: numSamples, seed: seed).map { pool[$0] }
        return try write(dataset.clips.toFloat32(), indices: indices, subjects: indices.map { clipSubjects[$0] },
                         available: pool.count, output: output)
    }
}
