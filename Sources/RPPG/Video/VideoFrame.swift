/// One decoded video frame: 8-bit RGB, rows top to bottom, pixels interleaved (R, G, B).
public struct VideoFrame: Sendable, Equatable {
    /// Width in pixels.
    public var width: Int
    /// Height in pixels.
    public var height: Int
    /// `height * width * 3` bytes, row-major, top row first.
    public var rgb: [UInt8]

    /// A frame of the given size filled with `value`.
    public init(width: Int, height: Int, value: UInt8 = 0) {
        self.width = width
        self.height = height
        self.rgb = [UInt8](repeating: value, count: width * height * 3)
    }

    /// Wraps existing RGB bytes (`width * height * 3` of them).
    public init(width: Int, height: Int, rgb: [UInt8]) {
        precondition(rgb.count == width * height * 3, "RGB buffer has \(rgb.count) bytes, expected \(width * height * 3)")
        self.width = width
        self.height = height
        self.rgb = rgb
    }
}
