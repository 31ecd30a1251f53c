import Foundation
import RPPG
import TensorCore

/// Where `rppg monitor` reads frames from, one at a time.
public enum MonitorSource: Sendable {
    /// An uncompressed AVI (UBFC-style); a `ground_truth.txt` or `gtdump.xmp` beside it is the truth.
    case video(URL)
    /// A folder of PNG frames in file-name order (PURE layout), at `fps` frames per second.
    case frames(URL, fps: Double)

    /// A frame folder's rate when `--fps` is not given: PURE's `/Image` timestamps when the
    /// folder's `<ii-jj>.json` is beside it (PURE is not exactly 30 Hz), else 30.
    public static func frameRate(ofFrames folder: URL) throws -> Double {
        guard let json = MonitorTruth.pureLabels(of: folder) else { return 30 }
        return try PURELabels.load(json).frameRate
    }

    /// The file or folder, for messages.
    public var url: URL {
        switch self {
        case .video(let u), .frames(let u, _): return u
        }
    }
}

/// Options of `rppg monitor`.
public struct MonitorOptions: Sendable {
    public var source: MonitorSource
    /// nil: the bundled INT8 model (``BundledModel/int8URL``), else the bundled checkpoint on fp32.
    public var model: InferModelSource?
    /// nil: int8 for a QDQ model, fp32 otherwise (as `rppg infer`).
    public var engine: InferEngine?
    /// Frames between two readings (30 at 30 fps: one heart rate a second).
    public var hop = 30
    /// One by default: the real-time claim is for one core.
    public var threads = 1
    /// Re-detect the face every N frames (0: the first frame only, as `rppg preprocess`).
    public var redetectEvery = 0
    public var cascadePath = HaarCascade.defaultPath
    /// nil: the model's input type (``ModelInputFormat``); else the transform of channels 0–2.
    public var inputType: InputType?
    /// Folder of `monitor.html` and `monitor.json`.
    public var output = URL(fileURLWithPath: "rppg-monitor")
    /// The HTML report; nil: `<output>/monitor.html`.
    public var report: URL?

    public init(source: MonitorSource) { self.source = source }

    public var reportFile: URL { report ?? output.appendingPathComponent("monitor.html") }
    /// The JSON summary, beside the report.
    public var summaryFile: URL {
        reportFile.deletingPathExtension().appendingPathExtension("json")
    }
}

/// A bad input of `rppg monitor`: what is wrong, which file, what to do.
public struct MonitorError: UserFacingError {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
