import Foundation

/// One heart-rate reading of `rppg monitor`: the model's HR over the window ending at `frame`.
public struct MonitorReading: Codable, Sendable, Equatable {
    /// 0, 1, 2, … in the order printed.
    public var index: Int
    /// The window covers frames `frame - windowFrames ..< frame`.
    public var frame: Int
    /// Video time at the end of the window, seconds.
    public var time: Double
    /// FFT peak of the window's pulse, BPM.
    public var heartRate: Double
    /// The window's ground truth (mean sensor HR, else the PPG's dominant rate), BPM.
    public var truth: Double?
    /// Frames per second achieved since the previous reading (reading, crop, model, HR).
    public var framesPerSecond: Double
    /// The crop box in use `[x, y, w, h]`.
    public var faceBox: [Int]
    /// True when the latest detection found no face and the whole frame is used.
    public var fallback: Bool
}

/// What `rppg monitor` did (`monitor.json`, and the last line of `--json`).
public struct MonitorSummary: Codable, Sendable {
    public var source: String
    public var model: String
    public var engine: InferEngine
    public var threads: Int
    public var frameWidth: Int
    public var frameHeight: Int
    /// The source's frame rate, the real-time target.
    public var fps: Double
    public var frames: Int
    public var windowFrames: Int
    public var hop: Int
    public var readings: [MonitorReading]
    /// Frames over the wall time of the frame loop (model compiled before it starts).
    public var framesPerSecond: Double
    public var seconds: Double
    /// True when `framesPerSecond >= fps`.
    public var realTime: Bool
    /// The ground-truth file used, nil when none is beside the source.
    public var groundTruth: String?
    /// Mean |reading − truth| over the readings with truth, BPM.
    public var mae: Double?
    /// Each detection window: its first frame, the crop box, and whether it fell back to the whole frame.
    public var detections: [PreprocessMeta.Detection]
    public var warnings: [String]
    public var report: String
}
