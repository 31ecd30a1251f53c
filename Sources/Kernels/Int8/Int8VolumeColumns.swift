/// vol2col: the im2col matrix of a 3-D convolution for a block of output positions.
/// Row `((c·kd + a)·kh + b)·kw + e` holds, for each output position of the block, the input
/// value under kernel tap `(a, b, e)` of channel `c`, or the zero point where the tap is padding.
public enum Int8VolumeColumns {
    public static func fill(shape s: Int8ConvShape, input: UnsafePointer<Int8>, channels: Int, zeroPoint: Int8,
                            firstColumn: Int, count: Int, into dst: UnsafeMutablePointer<Int8>) {
        let (id, ih, iw) = (s.input[0], s.input[1], s.input[2])
        let (oh, ow) = (s.output[1], s.output[2])
        var row = 0
        for c in 0..<channels {
            let plane = input + c * id * ih * iw
            for a in 0..<s.kernel[0] {
                for bb in 0..<s.kernel[1] {
                    for e in 0..<s.kernel[2] {
                        let out = dst + row * count
                        let offD = a * s.dilation[0] - s.padsBegin[0]
                        let offH = bb * s.dilation[1] - s.padsBegin[1]
                        let offW = e * s.dilation[2] - s.padsBegin[2]
                        var j = 0
                        var n = firstColumn
                        while j < count {
                            let z = n / (oh * ow), rem = n % (oh * ow)
                            let y = rem / ow, x0 = rem % ow
                            let segment = min(count - j, ow - x0)
                            let inD = z * s.stride[0] + offD, inH = y * s.stride[1] + offH
                            if inD < 0 || inD >= id || inH < 0 || inH >= ih {
                                (out + j).update(repeating: zeroPoint, count: segment)
                            } else {
                                let line = plane + (inD * ih + inH) * iw
                                let sw = s.stride[2]
                                for t in 0..<segment {
                                    let inW = (x0 + t) * sw + offW
                                    out[j + t] = (inW >= 0 && inW < iw) ? line[inW] : zeroPoint
                                }
                            }
                            j += segment
                            n += segment
                        }
                        row += 1
                    }
                }
            }
        }
    }
}
