extension GrayImage {
    /// Bilinear resize with OpenCV's `INTER_LINEAR_EXACT` for 8-bit images: what
    /// `CascadeClassifier::detectMultiScale` shrinks each pyramid level with (OpenCV 4, not the
    /// `INTER_LINEAR` of `cv::resize`'s default). Coefficients have 8 fractional bits (the source
    /// position `(d + 0.5)·src/dst − 0.5` in double, its fraction rounded half to even to 1/256),
    /// the horizontal pass gives 8.8 fixed point, the vertical one 16 fractional bits rounded half
    /// up. Positions left of the first pixel or right of the last take that pixel. Checked against
    /// cv2.resize(…, INTER_LINEAR_EXACT) on random sizes (`Tools/make_face_box_study.py` notes it).
    public func resizedLinearExact(width dw: Int, height dh: Int) -> GrayImage {
        if dw == width && dh == height { return self }
        let (xofs, xc) = Self.exactCoefficients(source: width, destination: dw)
        let (yofs, yc) = Self.exactCoefficients(source: height, destination: dh)
        let sw = width
        var rows = [UInt32](repeating: 0, count: height * dw)
        for y in 0..<height {
            let s = y * sw
            for dx in 0..<dw {
                let o = xofs[dx], c = UInt32(xc[dx])
                let next = min(o + 1, sw - 1)
                rows[y * dw + dx] = UInt32(pixels[s + o]) * (256 - c) + UInt32(pixels[s + next]) * c
            }
        }
        var out = [UInt8](repeating: 0, count: dw * dh)
        for dy in 0..<dh {
            let o = yofs[dy], c = UInt64(yc[dy])
            let next = min(o + 1, height - 1)
            for dx in 0..<dw {
                let v = UInt64(rows[o * dw + dx]) * (256 - c) + UInt64(rows[next * dw + dx]) * c
                out[dy * dw + dx] = UInt8(min(255, (v + (1 << 15)) >> 16))
            }
        }
        return GrayImage(width: dw, height: dh, pixels: out)
    }

    /// Source index and weight of the next pixel (0…256, /256) for each destination index.
    static func exactCoefficients(source: Int, destination: Int) -> (offsets: [Int], next: [Int]) {
        let scale = 1 / (Double(destination) / Double(source))
        var offsets = [Int](repeating: 0, count: destination), next = [Int](repeating: 0, count: destination)
        for d in 0..<destination {
            let f = scale * (Double(d) + 0.5) - 0.5
            let i = Int(f.rounded(.down))
            guard i >= 0, source > 1 else { continue }  // left of the first pixel: that pixel
            if i < source - 1 {
                offsets[d] = i
                next[d] = Int(((f - Double(i)) * 256).rounded(.toNearestOrEven))
            } else {
                offsets[d] = source - 1
            }
        }
        return (offsets, next)
    }
}
