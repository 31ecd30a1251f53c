import Foundation
import RPPG

/// The ground truth beside a monitored video: UBFC's `ground_truth.txt` (or DATASET_1's
/// `gtdump.xmp`) at each video frame, read with `preprocess`'s rules.
struct MonitorTruth {
    var file: URL
    var ppg: [Double]
    var heartRate: [Double]

    /// nil when the source has no ground truth beside it, or (with a warning) when it cannot be read.
    static func load(_ source: MonitorSource, frames: Int, fps: Double, warnings: inout [String]) -> MonitorTruth? {
        guard case .video(let video) = source, let subject = UBFCSubject(number: 0, video: video) else { return nil }
        do {
            let (ppg, hr) = subject.frameSignals(try subject.loadGroundTruth(), frames: frames, fps: fps)
            return MonitorTruth(file: subject.groundTruthFile, ppg: ppg, heartRate: hr)
        } catch {
            warnings.append("ground truth not used: \(error)")
            return nil
        }
    }

    /// The truth of the window over `frames`, as `preprocess` labels a clip.
    func rate(frames: Range<Int>, fps: Double) -> Double {
        Chunking.referenceRate(heartRate: heartRate, rawPPG: ppg, frames: frames, fps: fps).bpm
    }
}
