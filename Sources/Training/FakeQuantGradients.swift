import Int8Runtime
import NN
import TensorCore

/// QuantizeLinear and DequantizeLinear on the training tape (quantization-aware training).
///
/// The forward rounds exactly as the int8 engine does (``Int8Math``: float32 division, round half
/// to even, saturate), so a QDQ graph trained here computes what the engine will run. The
/// backward is the straight-through estimator: `round` counts as the identity where the level
/// before saturation lies in the type's range and as a constant (gradient 0) where it saturates.
/// Q's backward gives `dy·mask/scale`, DQ's `dy·scale`, so a Q → DQ pair passes `dy·mask`. Zero
/// points are constants; a scale is one too (weights' scales are refreshed between steps by the
/// caller) unless it is a trained parameter, which then gets LSQ's gradient (below).
enum FakeQuantGradients {
    /// Scale and zero point of each element's channel: one pair per tensor, or one per index along `axis`.
    struct Parameters {
        var scales: [Float]
        var zeroPoints: [Int32]
        var axis: Int
        /// The integer type of the levels: int8; int16 (activations chosen for 16 bits, rounded
        /// in float32 as the int8 engine's fallback and ORT's QuantizeLinear do, no tie snapping:
        /// the engine does not pool int16 levels); int32 (a bias: no saturation in practice,
        /// rounding as the quantizer's float64 `round(b / scale)` up to ties).
        var levels: DType
        var int32: Bool { levels == .int32 }

        /// `scale`, `zeroPoint` as the node's inputs hold them (a one-element scale is per tensor).
        init(scale: [Float], zeroPoint: [Float]?, axis: Int, rank: Int, levels: DType = .int8) throws {
            let zp = zeroPoint ?? [Float](repeating: 0, count: scale.count)
            guard !scale.isEmpty, zp.count == scale.count, scale.allSatisfy({ $0 > 0 && $0.isFinite }) else {
                throw TrainingError.invalidArgument("a QuantizeLinear/DequantizeLinear needs positive finite scales and one zero point per scale")
            }
            scales = scale
            zeroPoints = zp.map { Int32($0) }
            self.axis = axis < 0 ? axis + rank : axis
            self.levels = levels
        }

        /// Calls `body(range, scale, zeroPoint)` for each run of elements sharing parameters.
        func forEachChannel(_ shape: [Int], _ body: (Range<Int>, Float, Int32) -> Void) {
            let count = shape.reduce(1, *)
            guard scales.count > 1, axis < shape.count, shape[axis] == scales.count else {
                body(0..<count, scales[0], zeroPoints[0])
                return
            }
            let inner = shape[(axis + 1)...].reduce(1, *), channels = shape[axis]
            for outer in 0..<(count / (inner * channels)) {
                for c in 0..<channels {
                    let start = (outer * channels + c) * inner
                    body(start..<(start + inner), scales[c], zeroPoints[c])
                }
            }
        }
    }

    /// QuantizeLinear to int8 (int16, int32): the level of each element (as a float) and the STE mask `1/scale`
    /// inside the range, 0 where the level saturates.
    static func quantize(_ x: Activation, _ p: Parameters) -> (levels: Activation, mask: [Float]) {
        var q = [Float](repeating: 0, count: x.count)
        var mask = [Float](repeating: 0, count: x.count)
        p.forEachChannel(x.shape) { range, scale, zp in
            if p.int32 {
                for i in range {
                    q[i] = (x.data[i] / scale).rounded(.toNearestOrEven) + Float(zp)
                    mask[i] = 1 / scale
                }
                return
            }
            if p.levels == .int16 {
                for i in range {
                    let unclamped = (x.data[i] / scale).rounded(.toNearestOrEven) + Float(zp)
                    q[i] = unclamped.isNaN ? Float(zp) : min(max(unclamped, -32768), 32767)
                    mask[i] = unclamped >= -32768 && unclamped <= 32767 ? 1 / scale : 0
                }
                return
            }
            for i in range {
                let v = x.data[i] / scale
                let level = Int8Math.round(snapTie(v.isNaN ? 0 : v), zeroPoint: zp)  // NaN → zp, as Int8Math.quantize
                q[i] = Float(level)
                // Saturated at either end of int8 with the input beyond it: the clip is active.
                let unclamped = (x.data[i] / scale).rounded(.toNearestOrEven) + Float(zp)
                mask[i] = unclamped >= -128 && unclamped <= 127 ? 1 / scale : 0
            }
        }
        return (Activation(shape: x.shape, data: q), mask)
    }

    /// `v`, or the exact half-integer it is a few ulps from. The engine pools and averages
    /// integers, so its ties are exact (`(3 + 4)/2`) and go to the even level; the float graph
    /// averages dequantized floats, which lands the same tie a few ulps either side. Within 1e-4
    /// of a level (int8 levels need ≤ 8 bits, float32 keeps 24) only such ties fall.
    @inline(__always) static func snapTie(_ v: Float) -> Float {
        let half = v.rounded(.down) + 0.5
        return abs(v - half) <= 1e-4 ? half : v
    }

    /// DequantizeLinear of the levels: `(q − zp)·scale`.
    static func dequantize(_ q: Activation, _ p: Parameters) -> Activation {
        var y = [Float](repeating: 0, count: q.count)
        p.forEachChannel(q.shape) { range, scale, zp in
            for i in range {
                switch p.levels {
                case .int8: y[i] = Int8Math.dequantize(Int8(q.data[i]), scale: scale, zeroPoint: zp)
                // (q − zp)·scale with the difference exact in float32 (|q − zp| < 2^24).
                default: y[i] = (q.data[i] - Float(zp)) * scale
                }
            }
        }
        return Activation(shape: q.shape, data: y)
    }

    /// DequantizeLinear's backward: `dy·scale`.
    static func dequantizeBackward(_ dy: Activation, _ p: Parameters) -> Activation {
        var dq = [Float](repeating: 0, count: dy.count)
        p.forEachChannel(dy.shape) { range, scale, _ in
            for i in range { dq[i] = dy.data[i] * scale }
        }
        return Activation(shape: dy.shape, data: dq)
    }
}

extension FakeQuantGradients {
    /// Learned scales (LSQ: Esser et al., "Learned Step Size Quantization", 2020), split over the
    /// Q → DQ pair that shares the scale. Q's part: `Σ dq·(−x/s²)` where the level is inside the
    /// range (round counted as the identity, as for `x`), 0 where it saturates.
    static func quantizeScaleGradient(_ dq: Activation, input x: Activation, mask: [Float], _ p: Parameters,
                                      scaleShape: [Int]) -> Activation {
        var sums = [Double](repeating: 0, count: p.scales.count)
        var run = 0
        p.forEachChannel(dq.shape) { range, scale, _ in
            var s = 0.0
            // mask is 1/s inside the range: −x·mask/s = −x/s².
            for i in range { s -= Double(dq.data[i]) * Double(x.data[i]) * Double(mask[i]) / Double(scale) }
            sums[run % sums.count] += s
            run += 1
        }
        return Activation(shape: scaleShape, data: sums.map(Float.init))
    }

    /// DQ's part of a learned scale's gradient: `Σ dy·(q − zp)`. With Q's part, per channel,
    /// `Σ dy·(q − zp − x/s)` inside the range and `Σ dy·(q − zp)` where it saturates (LSQ's).
    static func dequantizeScaleGradient(_ dy: Activation, levels q: Activation, _ p: Parameters,
                                        scaleShape: [Int]) -> Activation {
        var sums = [Double](repeating: 0, count: p.scales.count)
        var run = 0
        p.forEachChannel(dy.shape) { range, _, zp in
            var s = 0.0
            for i in range { s += Double(dy.data[i]) * (Double(q.data[i]) - Double(zp)) }
            sums[run % sums.count] += s
            run += 1
        }
        return Activation(shape: scaleShape, data: sums.map(Float.init))
    }
}
