/// The crop rules of ``FaceCrop`` one frame at a time, so that a stream (``FaceCrop/process``
/// over a whole video, or `rppg monitor` frame by frame) crops with the same detections: detect
/// on the first frame, re-detect every `redetectEvery` frames, enlarge the widest face, and use
/// the whole frame when no face is found.
public struct FaceCropper {
    public let options: FaceCropOptions
    public let frameWidth: Int
    public let frameHeight: Int
    let detector: HaarDetector?
    /// The crop box in use (the enlarged, clipped face box of the latest detection).
    public private(set) var box: FaceBox
    /// The crop box of each detection window.
    public private(set) var boxes: [FaceBox] = []
    /// What the detector returned for each window, before enlargement (nil: no face found).
    public private(set) var detections: [FaceBox?] = []
    /// The frame each detection window starts at.
    public private(set) var detectionFrames: [Int] = []
    /// Detections that found no face and fell back to the whole frame.
    public private(set) var fallbacks = 0

    /// Values one cropped frame takes (`size · size · 3`).
    public var valuesPerFrame: Int { options.size * options.size * 3 }

    /// `detector == nil` crops the whole frame.
    public init(detector: HaarDetector?, options: FaceCropOptions, frameWidth: Int, frameHeight: Int) {
        self.detector = detector
        self.options = options
        self.frameWidth = frameWidth
        self.frameHeight = frameHeight
        box = FaceBox(x: 0, y: 0, width: frameWidth, height: frameHeight)
    }

    /// True when frame `index` starts a detection window.
    public func detects(at index: Int) -> Bool {
        index == 0 || (options.redetectEvery > 0 && index % options.redetectEvery == 0)
    }

    /// Crops frame `index` of the stream (after detecting, when it starts a window) and resizes it
    /// with INTER_AREA into `out` (``valuesPerFrame`` RGB values, 0…255 integers).
    public mutating func crop(_ frame: VideoFrame, index: Int, into out: UnsafeMutableBufferPointer<Float>) {
        if detects(at: index) { detect(frame, index: index) }
        AreaResize.resize(frame, box: box, width: options.size, height: options.size, into: out)
    }

    /// The region cropped for a detection: rPPG-Toolbox's larger box around `face` (the widest
    /// detection), clipped to the frame as its slice `frame[y:y+h, x:x+w]` clips; the whole frame
    /// when no face was found (or the box falls outside it).
    public static func cropBox(face: FaceBox?, frameWidth: Int, frameHeight: Int, enlargement: Double) -> FaceBox {
        let whole = FaceBox(x: 0, y: 0, width: frameWidth, height: frameHeight)
        let box = (face ?? whole).enlarged(by: enlargement).clipped(frameWidth: frameWidth, frameHeight: frameHeight)
        return box.area == 0 ? whole : box
    }

    mutating func detect(_ frame: VideoFrame, index: Int) {
        var face: FaceBox? = nil
        if let detector {
            face = detector.widestFace(GrayImage(frame: frame, channelsAsBGR: options.toolboxGrayOrder))
        }
        if face == nil { fallbacks += 1 }
        box = Self.cropBox(face: face, frameWidth: frame.width, frameHeight: frame.height, enlargement: options.enlargement)
        boxes.append(box)
        detections.append(face)
        detectionFrames.append(index)
    }
}
