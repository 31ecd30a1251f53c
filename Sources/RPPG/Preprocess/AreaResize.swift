/// OpenCV's `cv::resize(…, INTER_AREA)` for 8-bit RGB: exact pixel-area averaging when
/// shrinking (integer-factor fast path included), and OpenCV's area-weighted bilinear
/// coefficients when enlarging. Results are rounded to 8 bits as OpenCV does, because
/// rPPG-Toolbox resizes the uint8 crop and stores those integers.
public enum AreaResize {
    /// Resizes the `box` region of `frame` to `width` × `height`, writing channel-interleaved
    /// RGB values (0…255, integers) into `out` (`width * height * 3`).
    public static func resize(_ frame: VideoFrame, box: FaceBox, width dw: Int, height dh: Int,
                              into out: UnsafeMutableBufferPointer<Float>) {
        precondition(out.count >= dw * dh * 3 && box.width > 0 && box.height > 0)
        let sw = box.width, sh = box.height
        let scaleX = Double(sw) / Double(dw), scaleY = Double(sh) / Double(dh)
        frame.rgb.withUnsafeBufferPointer { rgb in
            let origin = (box.y * frame.width + box.x) * 3
            let rowStride = frame.width * 3
            if scaleX >= 1 && scaleY >= 1 {
                let ix = Int(scaleX.rounded()), iy = Int(scaleY.rounded())
                if abs(scaleX - Double(ix)) < Double.ulpOfOne && abs(scaleY - Double(iy)) < Double.ulpOfOne {
                    integerShrink(rgb, origin: origin, rowStride: rowStride, fx: ix, fy: iy, dw: dw, dh: dh, out: out)
                } else {
                    areaShrink(rgb, origin: origin, rowStride: rowStride, sw: sw, sh: sh, dw: dw, dh: dh, out: out)
                }
            } else {
                areaEnlarge(rgb, origin: origin, rowStride: rowStride, sw: sw, sh: sh, dw: dw, dh: dh, out: out)
            }
        }
    }

    private static func integerShrink(_ src: UnsafeBufferPointer<UInt8>, origin: Int, rowStride: Int, fx: Int, fy: Int,
                                      dw: Int, dh: Int, out: UnsafeMutableBufferPointer<Float>) {
        let scale = 1 / Float(fx * fy)
        for dy in 0..<dh {
            for dx in 0..<dw {
                for c in 0..<3 {
                    var sum = 0
                    for ky in 0..<fy {
                        let row = origin + (dy * fy + ky) * rowStride + (dx * fx) * 3 + c
                        for kx in 0..<fx { sum += Int(src[row + kx * 3]) }
                    }
                    // OpenCV's SIMD 2×2 path rounds (s + 2) >> 2; the generic path rounds sum × (1/area).
                    let v: Float = fx == 2 && fy == 2 ? Float((sum + 2) >> 2) : (Float(sum) * scale).rounded(.toNearestOrEven)
                    out[(dy * dw + dx) * 3 + c] = min(255, max(0, v))
                }
            }
        }
    }

    /// (source index, weight) pairs per output index, as OpenCV's computeResizeAreaTab.
    static func areaTable(source: Int, destination: Int, scale: Double) -> [[(Int, Float)]] {
        (0..<destination).map { d in
            var entries: [(Int, Float)] = []
            let fs1 = Double(d) * scale, fs2 = fs1 + scale
            let cellWidth = min(scale, Double(source) - fs1)
            var s1 = Int(fs1.rounded(.up)), s2 = Int(fs2.rounded(.down))
            s2 = min(s2, source - 1)
            s1 = min(s1, s2)
            if Double(s1) - fs1 > 1e-3 { entries.append((s1 - 1, Float((Double(s1) - fs1) / cellWidth))) }
            for s in s1..<s2 { entries.append((s, Float(1 / cellWidth))) }
            if fs2 - Double(s2) > 1e-3 { entries.append((s2, Float(min(min(fs2 - Double(s2), 1), cellWidth) / cellWidth))) }
            return entries
        }
    }

    private static func areaShrink(_ src: UnsafeBufferPointer<UInt8>, origin: Int, rowStride: Int, sw: Int, sh: Int,
                                   dw: Int, dh: Int, out: UnsafeMutableBufferPointer<Float>) {
        let xtab = areaTable(source: sw, destination: dw, scale: Double(sw) / Double(dw))
        let ytab = areaTable(source: sh, destination: dh, scale: Double(sh) / Double(dh))
        // Flat horizontal table: for output column dx, entries xStart[dx]..<xStart[dx+1].
        var xStart = [Int](repeating: 0, count: dw + 1)
        var xOffset: [Int] = [], xWeight: [Float] = []
        for dx in 0..<dw {
            for (sx, alpha) in xtab[dx] { xOffset.append(sx * 3); xWeight.append(alpha) }
            xStart[dx + 1] = xOffset.count
        }
        var buf = [Float](repeating: 0, count: dw * 3)
        var sum = [Float](repeating: 0, count: dw * 3)
        xStart.withUnsafeBufferPointer { xs in
        xOffset.withUnsafeBufferPointer { xo in
        xWeight.withUnsafeBufferPointer { xw in
        buf.withUnsafeMutableBufferPointer { buf in
        sum.withUnsafeMutableBufferPointer { sum in
            for dy in 0..<dh {
                for (k, (sy, beta)) in ytab[dy].enumerated() {
                    let row = origin + sy * rowStride
                    // Accumulate in OpenCV's order: per output column, source pixels left to right.
                    for dx in 0..<dw {
                        var b0: Float = 0, b1: Float = 0, b2: Float = 0
                        for e in xs[dx]..<xs[dx + 1] {
                            let p = row + xo[e], alpha = xw[e]
                            b0 += Float(src[p]) * alpha
                            b1 += Float(src[p + 1]) * alpha
                            b2 += Float(src[p + 2]) * alpha
                        }
                        buf[dx * 3] = b0; buf[dx * 3 + 1] = b1; buf[dx * 3 + 2] = b2
                    }
                    if k == 0 {
                        for i in 0..<(dw * 3) { sum[i] = beta * buf[i] }
                    } else {
                        for i in 0..<(dw * 3) { sum[i] += beta * buf[i] }
                    }
                }
                for i in 0..<(dw * 3) { out[dy * dw * 3 + i] = min(255, max(0, sum[i].rounded(.toNearestOrEven))) }
            }
        }}}}}
    }

    /// Enlarging: OpenCV runs its bilinear kernel with INTER_AREA's coefficients
    /// (`fx = (d+1) - (s+1)/scale`, wrapped into [0,1)), in 11-bit fixed point.
    private static func areaEnlarge(_ src: UnsafeBufferPointer<UInt8>, origin: Int, rowStride: Int, sw: Int, sh: Int,
                                    dw: Int, dh: Int, out: UnsafeMutableBufferPointer<Float>) {
        func coefficients(_ n: Int, _ sourceCount: Int, _ scale: Double) -> [(Int, Int32, Int32)] {
            (0..<n).map { d in
                var s = Int((Double(d) * scale).rounded(.down))
                var f = Float(Double(d + 1) - Double(s + 1) / scale)
                f = f <= 0 ? 0 : f - f.rounded(.down)
                if s < 0 { f = 0; s = 0 }
                if s >= sourceCount - 1 { f = 0; s = sourceCount - 1 }
                return (s, Int32(0).roundedSaturating((1 - f) * 2048), Int32(0).roundedSaturating(f * 2048))
            }
        }
        let xc = coefficients(dw, sw, Double(sw) / Double(dw))
        let yc = coefficients(dh, sh, Double(sh) / Double(dh))
        func horizontal(_ sy: Int, _ dx: Int, _ c: Int) -> Int32 {
            let (sx, a0, a1) = xc[dx]
            let p = origin + sy * rowStride + sx * 3 + c
            var v = Int32(src[p]) * a0
            if sx + 1 < sw { v += Int32(src[p + 3]) * a1 }
            return v
        }
        for dy in 0..<dh {
            let (sy, b0, b1) = yc[dy]
            let sy1 = min(sy + 1, sh - 1)
            for dx in 0..<dw {
                for c in 0..<3 {
                    let v = ((b0 * (horizontal(sy, dx, c) >> 4)) >> 16) + ((b1 * (horizontal(sy1, dx, c) >> 4)) >> 16)
                    out[(dy * dw + dx) * 3 + c] = Float(min(255, max(0, (v + 2) >> 2)))
                }
            }
        }
    }
}
