import Foundation

/// The per-frame mean colour of the face region: the input of the unsupervised methods.
public struct FaceColourTrace: Sendable {
    /// Mean (R, G, B) per frame, 0…255.
    public var rgb: [SIMD3<Double>]
    public var fps: Double
    /// The enlarged, clipped crop box of the first detection.
    public var box: FaceBox
    /// False when no face was found on the first frame and the whole frame was used.
    public var faceDetected: Bool

    /// Streams `reader` frame by frame: face box on the first frame (enlarged ×`enlargement`,
    /// whole frame when none is found or `detector` is nil), each frame's box resized to
    /// `size`×`size` with INTER_AREA and averaged — what rPPG-Toolbox's unsupervised methods
    /// average (the Raw-preprocessed 72×72 clip). Memory does not grow with video length.
    public static func extract(
        _ reader: AVIReader, detector: HaarDetector?, size: Int = 72, enlargement: Double = 1.5
    ) throws -> FaceColourTrace {
        let n = reader.frameCount
        var frame = VideoFrame(width: reader.width, height: reader.height)
        var box = FaceBox(x: 0, y: 0, width: reader.width, height: reader.height)
        var detected = false
        var crop = [Float](repeating: 0, count: size * size * 3)
        var rgb = [SIMD3<Double>](repeating: .zero, count: n)
        for i in 0..<n {
            try reader.readFrame(i, into: &frame)
            if i == 0 {
                let face = detector?.widestFace(GrayImage(frame: frame))
                detected = face != nil
                box = (face ?? box).enlarged(by: face == nil ? 1 : enlargement).clipped(
                    frameWidth: frame.width, frameHeight: frame.height)
                if box.area == 0 { box = FaceBox(x: 0, y: 0, width: frame.width, height: frame.height) }
            }
            crop.withUnsafeMutableBufferPointer {
                AreaResize.resize(frame, box: box, width: size, height: size, into: $0)
            }
            var sum = SIMD3<Double>(repeating: 0)
            crop.withUnsafeBufferPointer { p in
                var o = 0
                for _ in 0..<(size * size) {
                    sum += SIMD3(Double(p[o]), Double(p[o + 1]), Double(p[o + 2]))
                    o += 3
                }
            }
            rgb[i] = sum / Double(size * size)
        }
        let fps = reader.frameRate > 0 && reader.frameRate.isFinite ? reader.frameRate : 30
        return FaceColourTrace(rgb: rgb, fps: fps, box: box, faceDetected: detected)
    }
}
