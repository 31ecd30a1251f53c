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

    /// Bilinear resize with OpenCV's 8-bit `INTER_LINEAR` fixed-point arithmetic (11-bit
    /// coefficients, the SSE vertical pass); halving in both axes is an area average, as OpenCV does.
    public func resizedLinear(width dw: Int, height dh: Int) -> GrayImage {
        if dw == width && dh == height { return self }
        let sw = width, sh = height
        if dw * 2 == sw && dh * 2 == sh {
            var out = [UInt8](repeating: 0, count: dw * dh)
            for y in 0..<dh {
                for x in 0..<dw {
                    let p = 2 * y * sw + 2 * x
                    let s = Int(pixels[p]) + Int(pixels[p + 1]) + Int(pixels[p + sw]) + Int(pixels[p + sw + 1])
                    out[y * dw + x] = UInt8((s + 2) >> 2)
                }
            }
            return GrayImage(width: dw, height: dh, pixels: out)
        }
        let scaleX = Double(sw) / Double(dw), scaleY = Double(sh) / Double(dh)
        var xofs = [Int](repeating: 0, count: dw)
        var alpha = [Int32](repeating: 0, count: dw * 2)
        for dx in 0..<dw {
            var fx = Float((Double(dx) + 0.5) * scaleX - 0.5)
            var sx = Int(fx.rounded(.down))
            fx -= Float(sx)
            if sx < 0 { fx = 0; sx = 0 }
            if sx >= sw - 1 { fx = 0; sx = sw - 1 }
            xofs[dx] = sx
            alpha[2 * dx] = Int32(0).roundedSaturating((Float(1) - fx) * 2048)
            alpha[2 * dx + 1] = Int32(0).roundedSaturating(fx * 2048)
        }
        // Horizontal pass for every source row once (rows are reused by neighbouring outputs).
        var rows = [Int32](repeating: 0, count: sh * dw)
        pixels.withUnsafeBufferPointer { src in
            rows.withUnsafeMutableBufferPointer { h in
                for y in 0..<sh {
                    let s = y * sw
                    for dx in 0..<dw {
                        let sx = xofs[dx]
                        var v = Int32(src[s + sx]) * alpha[2 * dx]
                        if sx + 1 < sw { v += Int32(src[s + sx + 1]) * alpha[2 * dx + 1] }
                        h[y * dw + dx] = v
                    }
                }
            }
        }
        var out = [UInt8](repeating: 0, count: dw * dh)
        rows.withUnsafeBufferPointer { h in
            for dy in 0..<dh {
                var fy = Float((Double(dy) + 0.5) * scaleY - 0.5)
                let sy = Int(fy.rounded(.down))
                fy -= Float(sy)
                let b0 = Int32(0).roundedSaturating((Float(1) - fy) * 2048)
                let b1 = Int32(0).roundedSaturating(fy * 2048)
                let r0 = min(max(sy, 0), sh - 1) * dw, r1 = min(max(sy + 1, 0), sh - 1) * dw
                for dx in 0..<dw {
                    let v = ((b0 * (h[r0 + dx] >> 4)) >> 16) + ((b1 * (h[r1 + dx] >> 4)) >> 16)
                    out[dy * dw + dx] = UInt8(clamping: (v + 2) >> 2)
                }
            }
        }
        return GrayImage(width: dw, height: dh, pixels: out)
    }
}

extension Int32 {
    /// `saturate_cast<short>(x)`: round half to even, then clamp to Int16.
    @inline(__always) func roundedSaturating(_ x: Float) -> Int32 {
        Int32(Swift.max(-32768, Swift.min(32767, x.rounded(.toNearestOrEven))))
    }
}
