import Foundation
import RPPG

/// A recording of one of the raw dataset layouts `rppg preprocess` reads.
enum RawSubject: Sendable {
    case ubfc(UBFCSubject)
    case pure(PURESubject)

    var number: Int {
        switch self {
        case .ubfc(let s): return s.number
        case .pure(let s): return s.number
        }
    }

    /// The recordings of `dataset` (`ubfc` or `pure`) under `root`.
    static func list(_ dataset: String, in root: URL) throws -> [RawSubject] {
        switch dataset.lowercased() {
        case "ubfc": return try UBFCDataset.subjects(in: root).map { .ubfc($0) }
        case "pure": return try PUREDataset.subjects(in: root).map { .pure($0) }
        default: throw DatasetError.unknownDataset(dataset)
        }
    }
}
