import Int8AVX2
import Int8Runtime

/// Per-output-channel requantization of Int32 accumulators to int8, exactly as ONNX Runtime's
/// QLinearConv on x86 (MLAS `MlasRequantizeOutput`):
/// `m = (xScale · wScale[c]) / yScale` in float32, `v = Float(acc + bias[c]) · m`, clamp to
/// `[lower − zp, upper − zp]`, round half to even, add `zp`.
/// A fused ReLU is expressed through the clamp range (`lower = max(lower, zp)`).
public struct Int8Requantization: Sendable, Equatable {
    public var multipliers: [Float]
    public var bias: [Int32]
    public var outputZeroPoint: Int32
    /// Inclusive output range (−128…127 for int8; narrower when an activation is fused).
    public var lower: Int32
    public var upper: Int32

    public init(multipliers: [Float], bias: [Int32], outputZeroPoint: Int32, lower: Int32 = -128, upper: Int32 = 127) {
        precondition(multipliers.count == bias.count, "one multiplier and one bias per channel")
        self.multipliers = multipliers
        self.bias = bias
        self.outputZeroPoint = outputZeroPoint
        self.lower = lower
        self.upper = upper
    }

    /// Builds the multipliers from scales as ORT does (float32 arithmetic). `weightScales` has one
    /// value (per-tensor) or `channels` values; a missing bias is zero.
    public init(inputScale: Float, weightScales: [Float], outputScale: Float, outputZeroPoint: Int32,
                channels: Int, bias: [Int32]? = nil, fusedReLU: Bool = false) {
        let ws = weightScales.count == 1 ? Array(repeating: weightScales[0], count: channels) : weightScales
        precondition(ws.count == channels, "need 1 or \(channels) weight scales, got \(weightScales.count)")
        let m = ws.map { (inputScale * $0) / outputScale }
        self.init(multipliers: m, bias: bias ?? Array(repeating: 0, count: channels), outputZeroPoint: outputZeroPoint,
                  lower: fusedReLU ? max(-128, outputZeroPoint) : -128, upper: 127)
    }

    /// Requantizes one accumulator of channel `c`.
    @inlinable public func apply(_ acc: Int32, channel c: Int) -> Int8 {
        Int8Requantization.requantize(acc &+ bias[c], multiplier: multipliers[c],
                                      low: Float(lower - outputZeroPoint), high: Float(upper - outputZeroPoint),
                                      zeroPoint: outputZeroPoint)
    }

    /// The scalar formula shared by every path: ``Int8Math/requantize(_:multiplier:low:high:zeroPoint:)``.
    @inlinable @inline(__always)
    public static func requantize(_ value: Int32, multiplier: Float, low: Float, high: Float, zeroPoint: Int32) -> Int8 {
        Int8Math.requantize(value, multiplier: multiplier, low: low, high: high, zeroPoint: zeroPoint)
    }

    /// Requantizes `count` accumulators of channel `c` from `acc` to `out`.
    @inlinable public func apply(row acc: UnsafePointer<Int32>, count: Int, channel c: Int, to out: UnsafeMutablePointer<Int8>) {
        let b = bias[c], m = multipliers[c], zp = outputZeroPoint
        let lo = Float(lower - zp), hi = Float(upper - zp)
        for j in 0..<count {
            out[j] = Int8Requantization.requantize(acc[j] &+ b, multiplier: m, low: lo, high: hi, zeroPoint: zp)
        }
    }

    /// Requantizes `count` accumulators of channel `c`, each plus `accumulatorOffset` (wrapping,
    /// like the bias), with the vectorised AVX2 loop where `path` runs on an AVX2 CPU.
    public func apply(row acc: UnsafePointer<Int32>, count: Int, channel c: Int, accumulatorOffset: Int32,
                      path: Int8Path, to out: UnsafeMutablePointer<Int8>) {
        let b = bias[c] &+ accumulatorOffset, m = multipliers[c], zp = outputZeroPoint
        let lo = Float(lower - zp), hi = Float(upper - zp)
        if path == .avx2 || path == .avxVNNI || path == .avx512VNNI {
            rppgAVX2Requantize(acc, count, b, m, lo, hi, zp, out)
            return
        }
        for j in 0..<count {
            out[j] = Int8Requantization.requantize(acc[j] &+ b, multiplier: m, low: lo, high: hi, zeroPoint: zp)
        }
    }
}
