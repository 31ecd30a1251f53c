/// The geometry of one N-d convolution (N ≤ 3), lifted to 3-D by prepending unit axes so that a
/// single vol2col/col2vol pair serves Conv1d, Conv2d and Conv3d.
///
/// `input` is the "image" side (what vol2col reads), `output` the "column" side. For a transposed
/// convolution the roles swap: its output is the image side and its input the column side.
struct ConvGeometry {
    var channels: Int            // image-side channels in one group
    var input: [Int]             // image-side spatial size, 3 entries
    var output: [Int]            // column-side spatial size, 3 entries
    var kernel: [Int]
    var stride: [Int]
    var pad: [Int]               // padding before each axis
    var dilation: [Int]

    var inputVolume: Int { input[0] * input[1] * input[2] }
    var outputVolume: Int { output[0] * output[1] * output[2] }
    var kernelVolume: Int { kernel[0] * kernel[1] * kernel[2] }
    /// Rows of the column matrix: channels × kernel volume.
    var columnRows: Int { channels * kernelVolume }

    static func lift(_ a: [Int], fill: Int) -> [Int] {
        Array(repeating: fill, count: 3 - a.count) + a
    }

    /// Output size of a convolution along one axis (PyTorch/ONNX floor rule).
    static func convOutput(_ size: Int, kernel: Int, stride: Int, padBegin: Int, padEnd: Int, dilation: Int) -> Int {
        (size + padBegin + padEnd - dilation * (kernel - 1) - 1) / stride + 1
    }

    /// Whether vol2col is the identity (1×1×1 kernel, unit stride, no padding).
    var isPointwise: Bool {
        kernel == [1, 1, 1] && stride == [1, 1, 1] && pad == [0, 0, 0] && input == output
    }

    /// Gathers image patches into columns: `col[(c, kd, kh, kw), (od, oh, ow)]`.
    func vol2col(_ image: UnsafePointer<Float>, _ col: UnsafeMutablePointer<Float>) {
        let (iD, iH, iW) = (input[0], input[1], input[2])
        let (oD, oH, oW) = (output[0], output[1], output[2])
        var row = 0
        for c in 0..<channels {
            let plane = image + c * iD * iH * iW
            for kd in 0..<kernel[0] {
                for kh in 0..<kernel[1] {
                    for kw in 0..<kernel[2] {
                        let dst = col + row * outputVolume
                        row += 1
                        var o = 0
                        for od in 0..<oD {
                            let id = od * stride[0] - pad[0] + kd * dilation[0]
                            if id < 0 || id >= iD {
                                (dst + o).update(repeating: 0, count: oH * oW)
                                o += oH * oW
                                continue
                            }
                            for oh in 0..<oH {
                                let ih = oh * stride[1] - pad[1] + kh * dilation[1]
                                if ih < 0 || ih >= iH {
                                    (dst + o).update(repeating: 0, count: oW)
                                    o += oW
                                    continue
                                }
                                let src = plane + (id * iH + ih) * iW
                                let iw0 = -pad[2] + kw * dilation[2]
                                let sw = stride[2]
                                let (lo, hi) = Self.validRange(start: iw0, stride: sw, size: iW, count: oW)
                                if lo > 0 { (dst + o).update(repeating: 0, count: lo) }
                                if sw == 1 {
                                    if hi > lo { (dst + o + lo).update(from: src + iw0 + lo, count: hi - lo) }
                                } else {
                                    for ow in lo..<max(lo, hi) { dst[o + ow] = src[iw0 + ow * sw] }
                                }
                                if hi < oW { (dst + o + max(lo, hi)).update(repeating: 0, count: oW - max(lo, hi)) }
                                o += oW
                            }
                        }
                    }
                }
            }
        }
    }

    /// Output indices `[lo, hi)` whose input index `start + i·stride` lies inside `[0, size)`.
    @inline(__always)
    static func validRange(start: Int, stride: Int, size: Int, count: Int) -> (Int, Int) {
        let lo = start >= 0 ? 0 : (-start + stride - 1) / stride
        let room = size - start
        let hi = room <= 0 ? 0 : min(count, (room + stride - 1) / stride)
        return (min(lo, count), max(min(lo, count), hi))
    }

    /// The adjoint of ``vol2col(_:_:)``: scatters columns back, adding into `image`.
    func col2vol(_ col: UnsafePointer<Float>, _ image: UnsafeMutablePointer<Float>) {
        let (iD, iH, iW) = (input[0], input[1], input[2])
        let (oD, oH, oW) = (output[0], output[1], output[2])
        var row = 0
        for c in 0..<channels {
            let plane = image + c * iD * iH * iW
            for kd in 0..<kernel[0] {
                for kh in 0..<kernel[1] {
                    for kw in 0..<kernel[2] {
                        let src = col + row * outputVolume
                        row += 1
                        var o = 0
                        for od in 0..<oD {
                            let id = od * stride[0] - pad[0] + kd * dilation[0]
                            if id < 0 || id >= iD { o += oH * oW; continue }
                            for oh in 0..<oH {
                                let ih = oh * stride[1] - pad[1] + kh * dilation[1]
                                if ih < 0 || ih >= iH { o += oW; continue }
                                let dst = plane + (id * iH + ih) * iW
                                let iw0 = -pad[2] + kw * dilation[2]
                                let sw = stride[2]
                                let (lo, hi) = Self.validRange(start: iw0, stride: sw, size: iW, count: oW)
                                if sw == 1 {
                                    let d = dst + iw0, sp = src + o
                                    for ow in lo..<hi { d[ow] += sp[ow] }
                                } else {
                                    for ow in lo..<hi { dst[iw0 + ow * sw] += src[o + ow] }
                                }
                                o += oW
                            }
                        }
                    }
                }
            }
        }
    }
}
