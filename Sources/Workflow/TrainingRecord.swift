import Foundation
import TorchIO

/// What a model remembers of its training data: the processed file's SHA-256 and the subjects
/// held out for validation. `rppg train` writes it into the checkpoint's `config`, `rppg export`
/// copies it into the ONNX `metadata_props` (the quantizer keeps them), and `rppg verify` reads
/// it to decide which subjects of a data file the model has not seen.
public struct TrainingRecord: Sendable, Equatable {
    /// Lowercase hex SHA-256 of the processed dataset file the model was trained on.
    public var dataSHA256: String
    /// Validation (held-out) subjects of that training run; empty when not recorded.
    public var validationSubjects: [Int]

    /// ONNX metadata keys.
    public static let dataKey = "train_data_sha256"
    public static let validationKey = "val_subjects"

    /// The metadata entries for a checkpoint's `config` dict (empty when it holds no record).
    static func metadata(_ config: PickleValue?) -> [String: String] {
        guard let config, let sha = config["data_sha256"]?.stringValue else { return [:] }
        var out = [dataKey: sha]
        if let list = config["val_subjects"], case .list(let items) = list {
            out[validationKey] = items.compactMap(\.intValue).map(String.init).joined(separator: ",")
        }
        return out
    }

    /// The record in an ONNX model's metadata; nil when the model carries none (exported before
    /// training recorded it, or trained by another tool).
    public init?(metadata: [String: String]) {
        guard let sha = metadata[Self.dataKey], !sha.isEmpty else { return nil }
        dataSHA256 = sha.lowercased()
        validationSubjects = (metadata[Self.validationKey] ?? "").split(separator: ",").compactMap { Int($0) }
    }
}
