import Foundation

/// One recording of UBFC-rPPG: its number, video and ground-truth file.
public struct UBFCSubject: Sendable, Equatable {
    /// The subject number from the folder name (`subject12` → 12, `10-gt` → 10).
    public var number: Int
    public var folder: URL
    public var video: URL
    public var groundTruthFile: URL
    /// True for DATASET_1 (`gtdump.xmp`), false for DATASET_2 (`ground_truth.txt`).
    public var isDataset1: Bool

    /// Reads and parses the ground-truth file.
    public func loadGroundTruth() throws -> GroundTruth {
        isDataset1 ? try GroundTruth.parseDataset1(groundTruthFile) : try GroundTruth.parseDataset2(groundTruthFile)
    }

    /// The PPG waveform and the sensor HR line (empty when the file has none) of `gt` (this
    /// subject's ``loadGroundTruth()``) at each of `frames` video frames: DATASET_1 interpolated
    /// at the frame times, DATASET_2 stretched to the frame count as rPPG-Toolbox does.
    public func frameSignals(_ gt: GroundTruth, frames t: Int, fps: Double) -> (ppg: [Double], heartRate: [Double]) {
        if isDataset1 {
            return (GroundTruth.resample(gt.ppg, times: gt.times, frames: t, fps: fps),
                    GroundTruth.resample(gt.heartRate, times: gt.times, frames: t, fps: fps))
        }
        return (GroundTruth.resample(gt.ppg, to: t), gt.heartRate.isEmpty ? [] : GroundTruth.resample(gt.heartRate, to: t))
    }
}

extension UBFCSubject {
    /// The recording of `video` when its folder holds `ground_truth.txt` (DATASET_2) or
    /// `gtdump.xmp` (DATASET_1); nil when it holds neither.
    public init?(number: Int, video: URL) {
        let fm = FileManager.default
        let folder = video.deletingLastPathComponent()
        let gt2 = folder.appendingPathComponent("ground_truth.txt")
        let gt1 = folder.appendingPathComponent("gtdump.xmp")
        if fm.fileExists(atPath: gt2.path) {
            self.init(number: number, folder: folder, video: video, groundTruthFile: gt2, isDataset1: false)
        } else if fm.fileExists(atPath: gt1.path) {
            self.init(number: number, folder: folder, video: video, groundTruthFile: gt1, isDataset1: true)
        } else {
            return nil
        }
    }
}

/// The UBFC-rPPG folder layout. DATASET_2: `subject<N>/vid.avi` + `ground_truth.txt`;
/// DATASET_1: `<N>-gt/vid.avi` + `gtdump.xmp`. Subjects are sorted by number (not by name, and
/// not in filesystem order, so splits are the same on every machine).
public enum UBFCDataset {
    /// Subjects under `root`, or under `root/DATASET_2` / `root/DATASET_1` when `root` holds
    /// none directly.
    public static func subjects(in root: URL) throws -> [UBFCSubject] {
        var found = scan(root)
        if found.isEmpty {
            for sub in ["DATASET_2", "DATASET_1"] { found += scan(root.appendingPathComponent(sub)) }
        }
        guard !found.isEmpty else { throw DatasetError.noSubjects(path: root.path) }
        return found.sorted { ($0.number, $0.folder.lastPathComponent) < ($1.number, $1.folder.lastPathComponent) }
    }

    static func scan(_ dir: URL) -> [UBFCSubject] {
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: dir.path) else { return [] }
        var out: [UBFCSubject] = []
        for name in names {
            guard let number = firstInteger(in: name) else { continue }
            let folder = dir.appendingPathComponent(name)
            let video = folder.appendingPathComponent("vid.avi")
            guard fm.fileExists(atPath: video.path) else { continue }
            if let subject = UBFCSubject(number: number, video: video) { out.append(subject) }
        }
        return out
    }

    static func firstInteger(in name: String) -> Int? {
        var digits = ""
        for c in name {
            if c.isASCII && c.isNumber { digits.append(c) } else if !digits.isEmpty { break }
        }
        return digits.isEmpty || digits.count > 9 ? nil : Int(digits)
    }
}
