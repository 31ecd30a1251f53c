/// An 8-bit single-channel image, row-major, top row first.
public struct GrayImage: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(pixels.count == width * height, "gray image needs \(width * height) pixels, got \(pixels.count)")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// OpenCV's `cvtColor(…, COLOR_BGR2GRAY)` in 8-bit fixed point (OpenCV 4's 15-bit weights
    /// 3735, 19235, 9798 for B, G, R, rounded; matches cv2 4.12 on every pixel of the fixture).
    /// With `channelsAsBGR` the frame's R byte is taken as B and vice versa, which is
    /// what rPPG-Toolbox does: it passes RGB frames to `detectMultiScale`, which assumes BGR.
    public init(frame: VideoFrame, channelsAsBGR: Bool = true) {
        width = frame.width
        height = frame.height
        let (w0, w2): (Int32, Int32) = channelsAsBGR ? (3735, 9798) : (9798, 3735)
        var out = [UInt8](repeating: 0, count: frame.width * frame.height)
        frame.rgb.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for i in 0..<dst.count {
                    let v = Int32(src[3 * i]) * w0 + Int32(src[3 * i + 1]) * 19235 + Int32(src[3 * i + 2]) * w2
                    dst[i] = UInt8((v + 16384) >> 15)
                }
            }
        }
        pixels = out
    }
}

extension Int32 {
    /// `saturate_cast<short>(x)`: round half to even, then clamp to Int16.
    @inline(__always) func roundedSaturating(_ x: Float) -> Int32 {
        Int32(Swift.max(-32768, Swift.min(32767, x.rounded(.toNearestOrEven))))
    }
}
