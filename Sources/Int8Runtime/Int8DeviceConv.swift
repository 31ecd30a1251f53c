import CInt8DSP

/// The device's int8 convolution (1-, 2- or 3-D, groups, stride, padding, dilation), written for
/// a Cortex-M with the DSP extension: `SMLAD` multiplies two 16-bit pairs and adds both products
/// to an accumulator in one instruction, so the inner loop computes a 2×2 block (two output
/// channels × two output positions) from two weight words and two column words per step:
/// 4 loads and 4 SMLADs for 8 multiply-accumulates, under the 3 instructions per MAC of issue 14.
///
/// Data layout:
/// - columns: for each pair of output positions, the `K = cin/groups · kd · kh · kw` input taps of
///   both, minus the input zero point, as int16 (padded taps are 0), `K` rounded up to even; word
///   `2j` holds taps `2j, 2j+1` of the first position, word `2j+1` those of the second (so one
///   `ldrd` loads both). Each position is first gathered contiguously into a staging half of the
///   scratch (a simple loop), then the two are interleaved word by word;
/// - weights (packed once by the host, ``packWeights(_:geometry:into:)``): for each group and
///   output-channel pair, word `2j` holds taps `2j, 2j+1` of the first channel, `2j+1` those of the
///   second (an odd last channel is paired with zeros).
/// The accumulators equal `Int8ConvolutionReference`'s exactly (integer arithmetic); requantization
/// is ``Int8Math/requantize(_:multiplier:low:high:zeroPoint:)``, as on the host.
public enum Int8DeviceConv {
    /// Geometry with plain fields (a plan carries it as words).
    public struct Geometry: Equatable {
        public var batch: Int, inChannels: Int, outChannels: Int, groups: Int
        public var id: Int, ih: Int, iw: Int
        public var kd: Int, kh: Int, kw: Int
        public var sd: Int, sh: Int, sw: Int
        public var pd: Int, ph: Int, pw: Int
        public var dd: Int, dh: Int, dw: Int
        public var od: Int, oh: Int, ow: Int

        public init(batch: Int, inChannels: Int, outChannels: Int, groups: Int, input: (Int, Int, Int),
                    kernel: (Int, Int, Int), stride: (Int, Int, Int), padsBegin: (Int, Int, Int),
                    dilation: (Int, Int, Int), output: (Int, Int, Int)) {
            (self.batch, self.inChannels, self.outChannels, self.groups) = (batch, inChannels, outChannels, groups)
            (id, ih, iw) = input
            (kd, kh, kw) = kernel
            (sd, sh, sw) = stride
            (pd, ph, pw) = padsBegin
            (dd, dh, dw) = dilation
            (od, oh, ow) = output
        }

        /// Taps per output: `cin/groups · kd · kh · kw`.
        public var reduction: Int { inChannels / groups * kd * kh * kw }
        /// The reduction rounded up to even (SMLAD takes taps in pairs).
        public var evenReduction: Int { (reduction + 1) & ~1 }
        public var outputPositions: Int { od * oh * ow }
        public var inputBytes: Int { batch * inChannels * id * ih * iw }
        public var outputBytes: Int { batch * outChannels * outputPositions }
        /// Channel pairs per group (an odd last channel makes a pair with zeros).
        public var channelPairs: Int { (outChannels / groups + 1) / 2 }
        /// 32-bit words of packed weights.
        public var packedWeightWords: Int { groups * channelPairs * evenReduction }
        /// Bytes of scratch: the interleaved columns of one position pair and their staging.
        public var scratchBytes: Int { evenReduction * 8 }
        /// Multiply-accumulates of one run (the reference definition, padded taps included).
        public var macs: Int { batch * outChannels * outputPositions * reduction }
    }

    /// Packs `weights` (`[cout, cin/groups, kd, kh, kw]`, int8) into `packed` (`packedWeightWords`).
    public static func packWeights(_ weights: UnsafePointer<Int8>, geometry g: Geometry, into packed: UnsafeMutablePointer<UInt32>) {
        let m = g.outChannels / g.groups, k = g.reduction
        var word = packed
        for group in 0..<g.groups {
            for pair in 0..<g.channelPairs {
                for j in 0..<(g.evenReduction / 2) {
                    for lane in 0..<2 {
                        let local = 2 * pair + lane
                        func tap(_ t: Int) -> UInt32 {
                            guard local < m, t < k else { return 0 }
                            return UInt32(UInt16(bitPattern: Int16(weights[(group * m + local) * k + t])))
                        }
                        word.pointee = tap(2 * j) | tap(2 * j + 1) << 16
                        word += 1
                    }
                }
            }
        }
    }

    /// Requantization of the accumulators: per output channel multiplier and bias, the output
    /// zero point and the inclusive output range (a fused ReLU raises `lower`).
    public struct Requantization {
        public var multipliers: UnsafePointer<Float>
        public var bias: UnsafePointer<Int32>
        public var zeroPoint: Int32
        public var lower: Int32
        public var upper: Int32
        public init(multipliers: UnsafePointer<Float>, bias: UnsafePointer<Int32>, zeroPoint: Int32, lower: Int32, upper: Int32) {
            (self.multipliers, self.bias, self.zeroPoint, self.lower, self.upper) = (multipliers, bias, zeroPoint, lower, upper)
        }
    }

    /// Runs the convolution. `columns` is `g.scratchBytes` of 4-byte aligned scratch.
    public static func run(_ g: Geometry, input: UnsafePointer<Int8>, xZeroPoint: Int32, weights: UnsafePointer<UInt32>,
                           requantization r: Requantization, output: UnsafeMutablePointer<Int8>,
                           columns: UnsafeMutablePointer<UInt32>) {
        let m = g.outChannels / g.groups, cinG = g.inChannels / g.groups
        let positions = g.outputPositions, halfK = g.evenReduction / 2
        let low = Int8Math.float(r.lower &- r.zeroPoint), high = Int8Math.float(r.upper &- r.zeroPoint)
        let groupWeights = g.channelPairs * g.evenReduction
        let staging = columns + g.evenReduction
        for n in 0..<g.batch {
            for group in 0..<g.groups {
                let x = input + (n * g.inChannels + group * cinG) * g.id * g.ih * g.iw
                let y = output + (n * g.outChannels + group * m) * positions
                let w = weights + group * groupWeights
                var p = 0
                while p < positions {
                    let second = p + 1 < positions
                    gather(g, position: p, channels: cinG, input: x, xZeroPoint: xZeroPoint, into: staging, slot: 0)
                    if second {
                        gather(g, position: p + 1, channels: cinG, input: x, xZeroPoint: xZeroPoint, into: staging, slot: 1)
                    } else {
                        (staging + halfK).update(repeating: 0, count: halfK)
                    }
                    for j in 0..<halfK {
                        columns[2 &* j] = staging[j]
                        columns[2 &* j &+ 1] = staging[halfK &+ j]
                    }
                    for pair in 0..<g.channelPairs {
                        var a00: Int32 = 0, a01: Int32 = 0, a10: Int32 = 0, a11: Int32 = 0
                        var c = UnsafePointer(columns), wp = w + pair &* g.evenReduction
                        for _ in 0..<halfK {
                            let x0 = c[0], x1 = c[1], w0 = wp[0], w1 = wp[1]
                            a00 = rppg_smlad(x0, w0, a00)
                            a01 = rppg_smlad(x1, w0, a01)
                            a10 = rppg_smlad(x0, w1, a10)
                            a11 = rppg_smlad(x1, w1, a11)
                            c += 2
                            wp += 2
                        }
                        let co = group * m + 2 * pair
                        store(a00, a01, channel: co, local: 2 * pair, p: p, second: second, r, low, high, y, positions)
                        if 2 * pair + 1 < m {
                            store(a10, a11, channel: co + 1, local: 2 * pair + 1, p: p, second: second, r, low, high, y, positions)
                        }
                    }
                    p += 2
                }
            }
        }
    }

    @inline(__always)
    static func store(_ first: Int32, _ second: Int32, channel: Int, local: Int, p: Int, second hasSecond: Bool,
                      _ r: Requantization, _ low: Float, _ high: Float, _ y: UnsafeMutablePointer<Int8>, _ positions: Int) {
        let m = r.multipliers[channel], b = r.bias[channel]
        let row = y + local * positions + p
        row[0] = Int8Math.requantize(first &+ b, multiplier: m, low: low, high: high, zeroPoint: r.zeroPoint)
        if hasSecond { row[1] = Int8Math.requantize(second &+ b, multiplier: m, low: low, high: high, zeroPoint: r.zeroPoint) }
    }

    /// Writes the taps of output position `position` (minus the zero point, 0 where padded) into
    /// slot `slot` (0 or 1) of the staging area, each slot `evenReduction` contiguous int16. Wrapping arithmetic: every index is bounded by
    /// the tensor sizes the plan validator checked, and overflow checks would double this loop.
    @inline(__always)
    static func gather(_ g: Geometry, position: Int, channels: Int, input: UnsafePointer<Int8>, xZeroPoint: Int32,
                       into columns: UnsafeMutablePointer<UInt32>, slot: Int) {
        let xo = position % g.ow, rest = position / g.ow
        let yo = rest % g.oh, zo = rest / g.oh
        let d0 = zo &* g.sd &- g.pd, h0 = yo &* g.sh &- g.ph, w0 = xo &* g.sw &- g.pw
        var taps = UnsafeMutableRawPointer(columns).assumingMemoryBound(to: Int16.self) + slot &* g.evenReduction
        let zp = Int16(truncatingIfNeeded: xZeroPoint)
        let plane = g.ih &* g.iw, volumeSize = g.id &* plane
        let (kd, kh, kw, dd, dh, dw) = (g.kd, g.kh, g.kw, g.dd, g.dh, g.dw)
        let inside = d0 >= 0 && d0 &+ (kd &- 1) &* dd < g.id && h0 >= 0 && h0 &+ (kh &- 1) &* dh < g.ih
            && w0 >= 0 && w0 &+ (kw &- 1) &* dw < g.iw
        var volume = input
        for _ in 0..<channels {
            var a = 0
            while a < kd {
                let d = d0 &+ a &* dd
                var b = 0
                while b < kh {
                    let h = h0 &+ b &* dh
                    if inside {
                        let line = volume + (d &* plane &+ h &* g.iw &+ w0)
                        var e = 0
                        while e < kw { taps[e] = Int16(line[e &* dw]) &- zp; e &+= 1 }
                    } else {
                        let rowInside = d >= 0 && d < g.id && h >= 0 && h < g.ih
                        let line = volume + (rowInside ? d &* plane &+ h &* g.iw : 0)
                        var e = 0
                        while e < kw {
                            let w = w0 &+ e &* dw
                            taps[e] = rowInside && w >= 0 && w < g.iw ? Int16(line[w]) &- zp : 0
                            e &+= 1
                        }
                    }
                    taps += kw
                    b &+= 1
                }
                a &+= 1
            }
            volume += volumeSize
        }
        if g.reduction & 1 == 1 { taps[0] = 0 }
    }
}
