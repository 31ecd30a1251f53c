import TensorCore

/// Problems with a dataset folder or its files.
public enum DatasetError: UserFacingError, Equatable {
    case missingFile(path: String, what: String)
    case badGroundTruth(path: String, line: Int, reason: String)
    case noSubjects(path: String)
    case noPURESubjects(path: String)
    case invalidProcessedFile(path: String, reason: String)
    case unknownDataset(String)
    /// Every subject was skipped or too short; `details` lists why.
    case noClips(path: String, details: String)
    /// A video with fewer frames than one clip needs.
    case tooShort(path: String, frames: Int, needed: Int)

    public var description: String {
        switch self {
        case .missingFile(let p, let w):
            return "Missing \(w) file \(p). Check the dataset folder layout (subject<N>/vid.avi with ground_truth.txt or gtdump.xmp)."
        case .badGroundTruth(let p, let l, let r):
            return "Ground truth \(p), line \(l): \(r). Restore the file from the original dataset."
        case .noSubjects(let p):
            return "No UBFC-rPPG subjects found in \(p): expected folders like subject1/ holding vid.avi and ground_truth.txt (DATASET_2) or gtdump.xmp (DATASET_1). Point --raw-data at the folder that contains them."
        case .noPURESubjects(let p):
            return "No PURE recordings found in \(p): expected folders like 01-01/ holding 01-01/*.png frames and 01-01.json. Point --raw-data at the folder that contains them."
        case .invalidProcessedFile(let p, let r):
            return "Processed dataset \(p) is not usable: \(r). Recreate it with `rppg preprocess`."
        case .noClips(let p, let d):
            // Each subject's reason is a sentence of its own; drop its full stop before ours.
            let reasons = d.hasSuffix(".") ? String(d.dropLast()) : d
            return "No clips could be made from \(p): \(reasons). Fix or replace those subjects, or lower --chunk for short videos."
        case .tooShort(let p, let f, let n):
            return "\(p) has \(f) frames but one clip needs \(n); use a longer video or a model exported with fewer --frames."
        case .unknownDataset(let name):
            return "Unknown dataset '\(name)'; supported: ubfc, pure."
        }
    }
}
