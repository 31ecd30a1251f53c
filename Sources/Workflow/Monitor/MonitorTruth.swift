import Foundation
import RPPG

/// The ground truth beside a monitored source, at each frame, read with `preprocess`'s rules:
/// UBFC's `ground_truth.txt` (or DATASET_1's `gtdump.xmp`) beside a video; PURE's
/// `<ii-jj>/<ii-jj>.json` beside a frame folder `<ii-jj>/<ii-jj>/` (the pulse oximeter's waveform
/// interpolated at each frame's timestamp; HR comes from that waveform, as PURE has no HR line).
struct MonitorTruth {
    var file: URL
    var ppg: [Double]
    var heartRate: [Double]

    /// nil when the source has no ground truth beside it, or (with a warning) when it cannot be read.
    static func load(_ source: MonitorSource, frames: Int, fps: Double, warnings: inout [String]) -> MonitorTruth? {
        if case .frames(let folder, _) = source { return loadPURE(folder, frames: frames, fps: fps, warnings: &warnings) }
        guard case .video(let video) = source, let subject = UBFCSubject(number: 0, video: video) else { return nil }
        do {
            let (ppg, hr) = subject.frameSignals(try subject.loadGroundTruth(), frames: frames, fps: fps)
            return MonitorTruth(file: subject.groundTruthFile, ppg: ppg, heartRate: hr)
        } catch {
            warnings.append("ground truth not used: \(error)")
            return nil
        }
    }

    /// PURE's label file of a frame folder: the folder's name + `.json`, beside the folder.
    static func pureLabels(of folder: URL) -> URL? {
        let std = folder.standardizedFileURL
        let json = std.deletingLastPathComponent().appendingPathComponent(std.lastPathComponent + ".json")
        return FileManager.default.fileExists(atPath: json.path) ? json : nil
    }

    private static func loadPURE(_ folder: URL, frames: Int, fps: Double, warnings: inout [String]) -> MonitorTruth? {
        guard let json = pureLabels(of: folder) else { return nil }
        do {
            let labels = try PURELabels.load(json)
            guard labels.imageTimes.count == frames else {
                warnings.append("ground truth not used: \(json.path) lists \(labels.imageTimes.count) \"/Image\" timestamps "
                                + "but \(folder.path) holds \(frames) PNG frames")
                return nil
            }
            if abs(labels.frameRate - fps) > 0.01 * fps {
                warnings.append(String(format: "the frames are at %.2f fps by %@'s timestamps but were read at --fps %.2f; "
                                       + "heart rates are off by that ratio (leave --fps out to take the JSON's)",
                                       labels.frameRate, json.lastPathComponent, fps))
            }
            return MonitorTruth(file: json, ppg: labels.waveform(at: labels.imageTimes), heartRate: [])
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
