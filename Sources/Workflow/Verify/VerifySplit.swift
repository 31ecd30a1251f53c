import Foundation
import RPPG

/// Which subjects of a data file `rppg verify` scores.
public enum VerifySplit: String, CaseIterable, Sendable, Codable {
    /// The held-out subjects when the file is the model's training file, else all subjects.
    case auto
    /// The subjects held out at training (recorded in the model, else the last 20 % by number).
    case heldout
    /// Every subject of the file.
    case all
}

extension Verify {
    /// The subjects chosen, the split that chose them, and why (for the report).
    struct SubjectChoice {
        var subjects: [Int]
        var split: String
        var reason: String
        var notes: [String] = []
    }

    /// Decides the subjects: `--subjects` wins; `auto` compares the data file's SHA-256 with the
    /// one `rppg train` recorded, because scoring the training subjects would flatter the model
    /// and scoring only 20 % of an unseen file would throw away most of its evidence.
    static func chooseSubjects(_ options: Options, all: [Int], record: TrainingRecord?) throws -> SubjectChoice {
        if let given = options.subjects {
            return SubjectChoice(subjects: given, split: "subjects", reason: "subjects given by --subjects")
        }
        func heldOut(_ why: String) -> SubjectChoice {
            let recorded = (record?.validationSubjects ?? []).filter(all.contains)
            if !recorded.isEmpty {
                return SubjectChoice(subjects: recorded, split: "heldout", reason: "\(why); the validation subjects recorded at training")
            }
            return SubjectChoice(subjects: SubjectSplit.heldOut(all), split: "heldout",
                                 reason: "\(why); the last 20 % of subjects by number (rppg train's default validation split)")
        }
        switch options.split {
        case .all:
            return SubjectChoice(subjects: all, split: "all", reason: "--split all")
        case .heldout:
            return heldOut("--split heldout")
        case .auto:
            guard let record else {
                return SubjectChoice(
                    subjects: all, split: "all",
                    reason: "the FP32 model records no training data file, so all subjects are scored",
                    notes: ["\(options.fp32.path) has no '\(TrainingRecord.dataKey)' metadata (exported before rppg train recorded it, or trained elsewhere): all subjects are scored. If \(options.data.lastPathComponent) is the file it was trained on, pass --split heldout, or re-export from a checkpoint of rppg train."])
            }
            let sha = try options.dataSHA256 ?? SHA256Digest.hexDigest(ofFile: options.data)
            if sha == record.dataSHA256 {
                return heldOut("\(options.data.lastPathComponent) is the model's training file (SHA-256 \(sha.prefix(12))…)")
            }
            return SubjectChoice(
                subjects: all, split: "all",
                reason: "\(options.data.lastPathComponent) is not the model's training file (SHA-256 \(sha.prefix(12))…, trained on \(record.dataSHA256.prefix(12))…), so all subjects are scored")
        }
    }
}
