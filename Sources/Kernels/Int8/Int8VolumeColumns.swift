/// vol2col: the im2col matrix of a 3-D convolution for a block of output positions.
/// Row `((c·kd + a)·kh + b)·kw + e` holds, for each output position of the block, the input
/// value under kernel tap `(a, b, e)` of channel `c`, or the zero point where the tap is padding.
public enum Int8VolumeColumns {
    /// Fills every row (`reduction × count`, row stride `count`).
    public static func fill(shape s: Int8ConvShape, input: UnsafePointer<Int8>, channels: Int, zeroPoint: Int8,
                            firstColumn: Int, count: Int, into dst: UnsafeMutablePointer<Int8>) {
        fill(shape: s, input: input, zeroPoint: zeroPoint, firstColumn: firstColumn, count: count,
             rows: 0..<(channels * s.kernel[0] * s.kernel[1] * s.kernel[2]), into: dst)
    }

    /// Fills rows `rows` of the matrix into `dst` (row `rows.lowerBound` first, row stride `count`),
    /// so that a convolution can build and pack the matrix a few rows at a time.
    public static func fill(shape s: Int8ConvShape, input: UnsafePointer<Int8>, zeroPoint: Int8,
                            firstColumn: Int, count: Int, rows: Range<Int>, into dst: UnsafeMutablePointer<Int8>) {
        let (id, ih, iw) = (s.input[0], s.input[1], s.input[2])
        let (kd, kh, kw) = (s.kernel[0], s.kernel[1], s.kernel[2])
        let (oh, ow) = (s.output[1], s.output[2])
        let sw = s.stride[2]
        // Output coordinates of the block's first column; segments then walk output rows.
        let z0 = firstColumn / (oh * ow), y0 = (firstColumn % (oh * ow)) / ow, x00 = firstColumn % ow
        for row in rows {
            let e = row % kw, bb = (row / kw) % kh, a = (row / (kw * kh)) % kd, c = row / (kw * kh * kd)
            let plane = input + c * id * ih * iw
            let out = dst + (row - rows.lowerBound) * count
            let offD = a * s.dilation[0] - s.padsBegin[0]
            let offH = bb * s.dilation[1] - s.padsBegin[1]
            let offW = e * s.dilation[2] - s.padsBegin[2]
            var j = 0
            var z = z0, y = y0, x0 = x00
            while j < count {
                let segment = min(count - j, ow - x0)
                let inD = z * s.stride[0] + offD, inH = y * s.stride[1] + offH
                if inD < 0 || inD >= id || inH < 0 || inH >= ih {
                    (out + j).update(repeating: zeroPoint, count: segment)
                } else if sw == 1 {
                    // Unit stride: one contiguous run of the input line, padding on either side.
                    let first = x0 + offW
                    let lo = min(segment, max(0, -first)), hi = max(lo, min(segment, iw - first))
                    let line = plane + (inD * ih + inH) * iw + first
                    for t in 0..<lo { out[j + t] = zeroPoint }
                    for t in lo..<hi { out[j + t] = line[t] }
                    for t in hi..<segment { out[j + t] = zeroPoint }
                } else {
                    let line = plane + (inD * ih + inH) * iw
                    for t in 0..<segment {
                        let inW = (x0 + t) * sw + offW
                        out[j + t] = (inW >= 0 && inW < iw) ? line[inW] : zeroPoint
                    }
                }
                j += segment
                x0 = 0
                y += 1
                if y == oh { y = 0; z += 1 }
            }
        }
    }
}
