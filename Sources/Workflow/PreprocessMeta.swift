import Foundation
import RPPG
import TensorCore

/// `<output>/<name>_meta.json`: what `rppg preprocess` did to one subject, so that a user can see
/// why its clips differ from another tool's (rPPG-Toolbox keeps the same record): the face
/// detector's box, the enlarged crop box, whether the whole frame was used instead.
public struct PreprocessMeta: Codable, Sendable, Equatable {
    /// One detection window: from `frame` until the next re-detection.
    public struct Detection: Codable, Sendable, Equatable {
        public var frame: Int
        /// The detector's widest face `[x, y, w, h]`; nil when none was found.
        public var detectedBox: [Int]?
        /// The enlarged (×1.5) box clipped to the frame, the one the frames were cropped to.
        public var cropBox: [Int]
        /// True when no face was found and the whole frame was used.
        public var fallback: Bool
    }

    public var name: String
    public var video: String
    public var frames: Int
    public var fps: Double
    public var width: Int
    public var height: Int
    public var detections: [Detection]
    /// True when any window fell back to the whole frame.
    public var fallbackUsed: Bool
    /// Clips of this subject in the processed file.
    public var clips: Int

    init(name: String, video: URL, width: Int, height: Int, cropped: CroppedVideo, clips: Int) {
        self.name = name
        self.video = video.path
        self.frames = cropped.frameCount
        self.fps = cropped.fps
        self.width = width
        self.height = height
        self.detections = Self.detections(boxes: cropped.boxes, detected: cropped.detections, frames: cropped.detectionFrames)
        self.fallbackUsed = cropped.fallbacks > 0
        self.clips = clips
    }

    /// One record per detection window, from the crop's parallel lists.
    static func detections(boxes: [FaceBox], detected: [FaceBox?], frames: [Int]) -> [Detection] {
        boxes.indices.map { i in
            let face = i < detected.count ? detected[i] : nil
            return Detection(frame: i < frames.count ? frames[i] : 0, detectedBox: face.map(array),
                             cropBox: array(boxes[i]), fallback: face == nil)
        }
    }

    static func array(_ b: FaceBox) -> [Int] { [b.x, b.y, b.width, b.height] }

    /// The file beside the processed dataset.
    public static func url(output: URL, name: String) -> URL { output.appendingPathComponent("\(name)_meta.json") }

    /// Reads a meta file written by `rppg preprocess`.
    public static func load(_ url: URL) throws -> PreprocessMeta {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw DatasetError.missingFile(path: url.path, what: "preprocess meta")
        }
        do { return try JSONOutput.decode(PreprocessMeta.self, from: data) } catch {
            throw DatasetError.invalidProcessedFile(path: url.path, reason: "not a preprocess meta JSON (\(error))")
        }
    }
}
