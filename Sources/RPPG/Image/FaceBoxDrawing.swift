/// Draws box outlines onto a frame, for `rppg preprocess --check-face`: a person looks at the
/// first frame with the detected and the crop box to see why a crop is where it is.
public enum FaceBoxDrawing {
    /// Draws the outline of `box` (`thickness` pixels, inside the box) in `colour`, clipped to the frame.
    public static func draw(_ box: FaceBox, colour: (UInt8, UInt8, UInt8), thickness: Int = 1, on frame: inout VideoFrame) {
        let x0 = max(0, box.x), y0 = max(0, box.y)
        let x1 = min(frame.width, box.x + box.width), y1 = min(frame.height, box.y + box.height)
        guard x0 < x1, y0 < y1 else { return }
        for y in y0..<y1 {
            for x in x0..<x1 {
                let edge = x - x0 < thickness || x1 - 1 - x < thickness || y - y0 < thickness || y1 - 1 - y < thickness
                guard edge else { continue }
                let i = (y * frame.width + x) * 3
                frame.rgb[i] = colour.0; frame.rgb[i + 1] = colour.1; frame.rgb[i + 2] = colour.2
            }
        }
    }
}
