/// Plain, obviously correct convolution kernels: the twins the fast kernels are tested against.
public enum ConvReference {
    /// Direct N-d convolution (cross-correlation, as PyTorch), `y = conv(x, w) + bias`.
    public static func conv(_ g: ConvGeometry, x: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                            bias: UnsafePointer<Float>?, y: UnsafeMutablePointer<Float>) {
        let (id, ih, iw) = (g.input[0], g.input[1], g.input[2])
        let (od, oh, ow) = (g.output[0], g.output[1], g.output[2])
        let (kd, kh, kw) = (g.kernel[0], g.kernel[1], g.kernel[2])
        for n in 0..<g.batch {
            for co in 0..<g.outChannels {
                let grp = co / g.outGroupChannels
                for z in 0..<od { for yy in 0..<oh { for xx in 0..<ow {
                    var acc: Float = bias?[co] ?? 0
                    for ci in 0..<g.inGroupChannels {
                        let cin = grp * g.inGroupChannels + ci
                        for a in 0..<kd { for b in 0..<kh { for c in 0..<kw {
                            let sz = z * g.stride[0] - g.padsBegin[0] + a * g.dilation[0]
                            let sy = yy * g.stride[1] - g.padsBegin[1] + b * g.dilation[1]
                            let sx = xx * g.stride[2] - g.padsBegin[2] + c * g.dilation[2]
                            if sz < 0 || sz >= id || sy < 0 || sy >= ih || sx < 0 || sx >= iw { continue }
                            let xv = x[(((n * g.inChannels + cin) * id + sz) * ih + sy) * iw + sx]
                            let wv = weight[(((co * g.inGroupChannels + ci) * kd + a) * kh + b) * kw + c]
                            acc += xv * wv
                        } } }
                    }
                    y[(((n * g.outChannels + co) * od + z) * oh + yy) * ow + xx] = acc
                } } }
            }
        }
    }

    /// Direct transposed convolution. `g` describes the *forward* convolution whose gradient this
    /// is: `g.input` is the transposed conv's output size, `g.output` its input size; weight is
    /// `[Cin_t, Cout_t/groups, k...]` (PyTorch), where Cin_t = `g.outChannels`.
    public static func convTranspose(_ g: ConvGeometry, x: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                     bias: UnsafePointer<Float>?, y: UnsafeMutablePointer<Float>) {
        let (yd, yh, yw) = (g.input[0], g.input[1], g.input[2])
        let (xd, xh, xw) = (g.output[0], g.output[1], g.output[2])
        let (kd, kh, kw) = (g.kernel[0], g.kernel[1], g.kernel[2])
        let outC = g.inChannels, inC = g.outChannels
        let outGC = g.inGroupChannels, inGC = g.outGroupChannels
        for n in 0..<g.batch {
            for co in 0..<outC {
                let v = bias?[co] ?? 0
                for i in 0..<(yd * yh * yw) { y[(n * outC + co) * yd * yh * yw + i] = v }
            }
            for ci in 0..<inC {
                let grp = ci / inGC
                for z in 0..<xd { for yy in 0..<xh { for xx in 0..<xw {
                    let xv = x[(((n * inC + ci) * xd + z) * xh + yy) * xw + xx]
                    for oc in 0..<outGC {
                        let co = grp * outGC + oc
                        for a in 0..<kd { for b in 0..<kh { for c in 0..<kw {
                            let sz = z * g.stride[0] - g.padsBegin[0] + a * g.dilation[0]
                            let sy = yy * g.stride[1] - g.padsBegin[1] + b * g.dilation[1]
                            let sx = xx * g.stride[2] - g.padsBegin[2] + c * g.dilation[2]
                            if sz < 0 || sz >= yd || sy < 0 || sy >= yh || sx < 0 || sx >= yw { continue }
                            let wv = weight[(((ci * outGC + oc) * kd + a) * kh + b) * kw + c]
                            y[(((n * outC + co) * yd + sz) * yh + sy) * yw + sx] += xv * wv
                        } } }
                    }
                } } }
            }
        }
    }

    /// The weight gradient of ``conv(_:x:weight:bias:y:)``: `dw[co][ci][k] = Σ_n Σ_p dy[n][co][p] ·
    /// x[n][cin][p·stride − pad + k·dilation]`, overwriting `dw` (`[Cout, Cin/groups, k…]`).
    public static func weightGradient(_ g: ConvGeometry, x: UnsafePointer<Float>, dy: UnsafePointer<Float>,
                                      dw: UnsafeMutablePointer<Float>) {
        let (id, ih, iw) = (g.input[0], g.input[1], g.input[2])
        let (od, oh, ow) = (g.output[0], g.output[1], g.output[2])
        let (kd, kh, kw) = (g.kernel[0], g.kernel[1], g.kernel[2])
        for co in 0..<g.outChannels {
            let grp = co / g.outGroupChannels
            for ci in 0..<g.inGroupChannels {
                let cin = grp * g.inGroupChannels + ci
                for a in 0..<kd { for b in 0..<kh { for c in 0..<kw {
                    var acc: Double = 0
                    for n in 0..<g.batch {
                        for z in 0..<od { for yy in 0..<oh { for xx in 0..<ow {
                            let sz = z * g.stride[0] - g.padsBegin[0] + a * g.dilation[0]
                            let sy = yy * g.stride[1] - g.padsBegin[1] + b * g.dilation[1]
                            let sx = xx * g.stride[2] - g.padsBegin[2] + c * g.dilation[2]
                            if sz < 0 || sz >= id || sy < 0 || sy >= ih || sx < 0 || sx >= iw { continue }
                            let xv = x[(((n * g.inChannels + cin) * id + sz) * ih + sy) * iw + sx]
                            let gv = dy[(((n * g.outChannels + co) * od + z) * oh + yy) * ow + xx]
                            acc += Double(xv) * Double(gv)
                        } } }
                    }
                    dw[(((co * g.inGroupChannels + ci) * kd + a) * kh + b) * kw + c] = Float(acc)
                } } }
            }
        }
    }
}
