/// How faces are found and cropped (rPPG-Toolbox defaults).
public struct FaceCropOptions: Sendable {
    /// Output side in pixels (72 for PhysNet/FactorizePhys, 36 for small models).
    public var size: Int = 72
    /// Box enlargement around the detected face (rPPG-Toolbox `LARGER_BOX_COEF`).
    public var enlargement: Double = 1.5
    /// Re-detect the face every this many frames; 0 detects on the first frame only.
    public var redetectEvery: Int = 0
    /// Convert frames to gray as rPPG-Toolbox does (RGB passed where OpenCV expects BGR).
    public var toolboxGrayOrder: Bool = true
    public init(size: Int = 72, enlargement: Double = 1.5, redetectEvery: Int = 0) {
        self.size = size
        self.enlargement = enlargement
        self.redetectEvery = redetectEvery
    }
}

/// A video cropped to the face and resized: `frames` holds T × size × size × 3 RGB values
/// (0…255 integers, as rPPG-Toolbox's uint8 resize produces), frame-major.
public struct CroppedVideo: Sendable {
    public var frames: [Float]
    public var frameCount: Int
    public var size: Int
    public var fps: Double
    /// The crop box used for each detection window (one entry per re-detection).
    public var boxes: [FaceBox]
    /// Detections that found no face and fell back to the whole frame.
    public var fallbacks: Int
    /// What the detector returned for each window, before enlargement (nil: no face found).
    public var detections: [FaceBox?] = []
    /// The frame each detection window starts at.
    public var detectionFrames: [Int] = []
}

/// Crops every frame of a video to the enlarged face box and resizes it with INTER_AREA
/// (``FaceCropper``'s rules, applied to the whole video into one buffer).
public enum FaceCrop {
    /// Reads `reader` frame by frame. `detector == nil` uses the whole frame. `progress` is
    /// called with the number of frames done.
    public static func process(_ reader: some FrameSource, detector: HaarDetector?, options: FaceCropOptions,
                               progress: ((Int) -> Void)? = nil) throws -> CroppedVideo {
        let n = reader.frameCount, s = options.size
        var frames = [Float](repeating: 0, count: n * s * s * 3)
        var frame = VideoFrame(width: reader.width, height: reader.height)
        var cropper = FaceCropper(detector: detector, options: options, frameWidth: reader.width, frameHeight: reader.height)
        for i in 0..<n {
            try reader.readFrame(i, into: &frame)
            frames.withUnsafeMutableBufferPointer { all in
                cropper.crop(frame, index: i, into: UnsafeMutableBufferPointer(rebasing: all[(i * s * s * 3)..<((i + 1) * s * s * 3)]))
            }
            progress?(i + 1)
        }
        return CroppedVideo(frames: frames, frameCount: n, size: s, fps: reader.frameRate, boxes: cropper.boxes,
                            fallbacks: cropper.fallbacks, detections: cropper.detections,
                            detectionFrames: cropper.detectionFrames)
    }
}
