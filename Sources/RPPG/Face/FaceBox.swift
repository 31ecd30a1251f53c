/// An axis-aligned box in pixels (x, y: top-left corner).
public struct FaceBox: Sendable, Equatable, CustomStringConvertible {
    public var x, y, width, height: Int
    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x; self.y = y; self.width = width; self.height = height
    }
    public var area: Int { max(0, width) * max(0, height) }

    /// Intersection over union with `other`.
    public func iou(_ other: FaceBox) -> Double {
        let ix = max(0, min(x + width, other.x + other.width) - max(x, other.x))
        let iy = max(0, min(y + height, other.y + other.height) - max(y, other.y))
        let inter = ix * iy
        let union = area + other.area - inter
        return union > 0 ? Double(inter) / Double(union) : 0
    }

    /// rPPG-Toolbox's larger box: centred enlargement by `factor` (1.5), `x' = max(0, x - (f-1)/2·w)`,
    /// `w' = f·w`, truncated to integers as NumPy does when it stores into the int box.
    public func enlarged(by factor: Double = 1.5) -> FaceBox {
        let nx = max(0.0, Double(x) - (factor - 1) / 2 * Double(width))
        let ny = max(0.0, Double(y) - (factor - 1) / 2 * Double(height))
        return FaceBox(x: Int(nx), y: Int(ny), width: Int(factor * Double(width)), height: Int(factor * Double(height)))
    }

    /// The part of the box inside a `frameWidth` × `frameHeight` frame.
    public func clipped(frameWidth: Int, frameHeight: Int) -> FaceBox {
        let x0 = max(0, x), y0 = max(0, y)
        let x1 = min(frameWidth, x + width), y1 = min(frameHeight, y + height)
        return FaceBox(x: x0, y: y0, width: max(0, x1 - x0), height: max(0, y1 - y0))
    }

    public var description: String { "(\(x), \(y), \(width)×\(height))" }
}
