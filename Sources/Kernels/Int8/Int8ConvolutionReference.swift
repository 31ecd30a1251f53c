/// The reference int8 convolution: direct nested loops over the definition,
/// `acc = Σ_{c,a,b,e} w · (x − zp)` over in-bounds taps (padding contributes zero).
public enum Int8ConvolutionReference {
    /// Calls `emit(channel, flat output offset, row, outputPositions)` once per batch item and channel.
    public static func accumulate(shape s: Int8ConvShape, weights: [Int8], input: UnsafePointer<Int8>, xZeroPoint: Int32,
                                  emit: (Int, Int, UnsafePointer<Int32>, Int) -> Void) {
        let m = s.outChannels / s.groups, cinG = s.inChannels / s.groups
        let (id, ih, iw) = (s.input[0], s.input[1], s.input[2])
        var row = [Int32](repeating: 0, count: s.outputPositions)
        for b in 0..<s.batch {
            for co in 0..<s.outChannels {
                let g = co / m
                var p = 0
                for z in 0..<s.output[0] {
                    for y in 0..<s.output[1] {
                        for x in 0..<s.output[2] {
                            var acc: Int32 = 0
                            for c in 0..<cinG {
                                let ci = g * cinG + c
                                for a in 0..<s.kernel[0] {
                                    let d = z * s.stride[0] - s.padsBegin[0] + a * s.dilation[0]
                                    if d < 0 || d >= id { continue }
                                    for bb in 0..<s.kernel[1] {
                                        let h = y * s.stride[1] - s.padsBegin[1] + bb * s.dilation[1]
                                        if h < 0 || h >= ih { continue }
                                        for e in 0..<s.kernel[2] {
                                            let w = x * s.stride[2] - s.padsBegin[2] + e * s.dilation[2]
                                            if w < 0 || w >= iw { continue }
                                            let wi = (((co * cinG + c) * s.kernel[0] + a) * s.kernel[1] + bb) * s.kernel[2] + e
                                            let xi = ((b * s.inChannels + ci) * id + d) * ih * iw + h * iw + w
                                            acc += Int32(weights[wi]) * (Int32(input[xi]) - xZeroPoint)
                                        }
                                    }
                                }
                            }
                            row[p] = acc
                            p += 1
                        }
                    }
                }
                row.withUnsafeBufferPointer { emit(co, (b * s.outChannels + co) * s.outputPositions, $0.baseAddress!, s.outputPositions) }
            }
        }
    }
}
