import Foundation
import RPPG
import TensorCore

/// `rppg monitor`: heart rate from a video as it plays. Frames are read one at a time, cropped
/// to the face (``FaceCropper``: `preprocess`'s detection rules), kept in a sliding window of the
/// model's T frames (``SlidingWindow``); every `hop` frames the window is transformed
/// (``InputTransform``: the model's input type over the window), run through the model and read as a
/// heart rate (``ClipHeartRate``, the FFT peak `verify` uses per clip).
public enum Monitor {
    /// Runs the monitor over the whole source, calling `onReading` once per hop, then writes the
    /// HTML report and `monitor.json` (atomically, only when the run succeeded).
    public static func run(_ options: MonitorOptions, onReading: (MonitorReading) -> Void = { _ in }) throws -> MonitorSummary {
        guard options.hop >= 1 else { throw MonitorError("--hop must be at least 1 frame, got \(options.hop).") }
        guard options.threads >= 1 else { throw MonitorError("--threads must be at least 1, got \(options.threads).") }
        guard options.redetectEvery >= 0 else {
            throw MonitorError("--redetect-every must be 0 (first frame only) or a number of frames, got \(options.redetectEvery).")
        }
        var warnings: [String] = []
        let source = try open(options.source)
        let model = try MonitorModel.load(options, warnings: &warnings)
        let t = model.frames, n = source.frameCount
        guard n >= t else { throw DatasetError.tooShort(path: options.source.url.path, frames: n, needed: t) }
        let truth = MonitorTruth.load(options.source, frames: n, fps: source.frameRate, warnings: &warnings)

        let detector = try HaarDetector.loadOrWarn(path: options.cascadePath, warnings: &warnings)
        var crop = FaceCropOptions(size: model.size)
        crop.redetectEvery = options.redetectEvery
        var cropper = FaceCropper(detector: detector, options: crop, frameWidth: source.width, frameHeight: source.height)
        var window = SlidingWindow(length: t, valuesPerFrame: cropper.valuesPerFrame)
        var frame = VideoFrame(width: source.width, height: source.height)
        var readings: [MonitorReading] = []

        let start = DispatchTime.now().uptimeNanoseconds
        var last = (time: start, frame: 0)
        for i in 0..<n {
            try source.readFrame(i, into: &frame)
            window.append { cropper.crop(frame, index: i, into: $0) }
            if i == 0, detector != nil, cropper.detections.first == .some(nil) {
                throw MonitorError("No face found in the first frame of \(options.source.url.path). Use a recording where "
                                   + "the face is visible, frontal and lit from the start, or check the frame with "
                                   + "rppg preprocess --check-face.")
            }
            if cropper.detects(at: i), i > 0, cropper.detections.last == .some(nil) {
                warnings.append("frame \(i): no face found on re-detection; the whole frame is used until the next one.")
            }
            guard window.isFull, (window.framesSeen - t) % options.hop == 0 else { continue }
            let heartRate = try model.heartRate(window.frames(), fps: source.frameRate)
            let now = DispatchTime.now().uptimeNanoseconds
            let end = window.framesSeen
            let reading = MonitorReading(
                index: readings.count, frame: end, time: Double(end) / source.frameRate, heartRate: heartRate,
                truth: truth?.rate(frames: (end - t)..<end, fps: source.frameRate),
                framesPerSecond: Double(end - last.frame) / max(1e-9, Double(now - last.time) / 1e9),
                faceBox: PreprocessMeta.array(cropper.box), fallback: cropper.detections.last == .some(nil))
            last = (now, end)
            readings.append(reading)
            onReading(reading)
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let fps = Double(n) / max(1e-9, seconds)
        let scored = readings.compactMap { r in r.truth.map { abs(r.heartRate - $0) } }
        let summary = MonitorSummary(
            source: options.source.url.path, model: model.description, engine: model.engine, threads: options.threads,
            frameWidth: source.width, frameHeight: source.height, fps: source.frameRate, frames: n, windowFrames: t,
            hop: options.hop, readings: readings, framesPerSecond: fps, seconds: seconds, realTime: fps >= source.frameRate,
            groundTruth: truth?.file.path, mae: scored.isEmpty ? nil : scored.reduce(0, +) / Double(scored.count),
            detections: PreprocessMeta.detections(boxes: cropper.boxes, detected: cropper.detections,
                                                  frames: cropper.detectionFrames),
            warnings: warnings, report: options.reportFile.path)
        try AtomicFile.write(Data(summary.html.utf8), to: options.reportFile)
        try JSONOutput.write(summary, to: options.summaryFile.path)
        return summary
    }

    /// The frame source, with the fix for each way it can be missing.
    static func open(_ source: MonitorSource) throws -> any FrameSource {
        switch source {
        case .video(let url):
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw MonitorError("Video \(url.path) not found. Pass an uncompressed AVI (UBFC's vid.avi, or make one with "
                                   + "rppg synth --output raw --subjects 1 --width 640 --height 480).")
            }
            return try AVIReader(url: url)
        case .frames(let folder, let fps):
            guard fps > 0, fps.isFinite else { throw MonitorError("--fps must be a positive number of frames per second, got \(fps).") }
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isFolder), isFolder.boolValue else {
                throw MonitorError("Frame folder \(folder.path) not found. Pass a folder of PNG frames (PURE's <ii-jj>/<ii-jj>/), "
                                   + "or a video with --video.")
            }
            do {
                return try PNGFrameFolder(folder, frameRate: fps)
            } catch DatasetError.missingFile {
                throw MonitorError("Frame folder \(folder.path) holds no .png files. Pass the folder that holds the frames "
                                   + "(PURE: <ii-jj>/<ii-jj>/Image*.png).")
            }
        }
    }
}
