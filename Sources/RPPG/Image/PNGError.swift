import TensorCore

/// Problems reading a PNG file; each message names the file and what to do.
public struct PNGError: UserFacingError, Equatable {
    public var path: String
    public var reason: String
    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }
    public var description: String {
        "PNG \(path): \(reason). Re-export the frame as an 8-bit RGB or RGBA, non-interlaced PNG (e.g. with OpenCV's imwrite or Pillow's save)."
    }
}
