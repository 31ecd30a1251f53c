import NN
import TensorCore
import Testing
import Training

/// QuantizeLinear → DequantizeLinear on the training tape: the forward is int8 rounding, the
/// backward the straight-through estimator (identity inside the int8 range, zero where it saturates).
@Suite struct FakeQuantGradientTests {
    /// `w [2, 5]` (a parameter) → Q (per channel on axis 0) → DQ → `y`, and `x [1, 2, 5]` (an
    /// input) → Q (per tensor, zero point −20) → DQ → `z`.
    static func model(_ w: [Float], parameters: [String] = ["w"]) throws -> TrainableGraph {
        let nodes = [
            Node(name: "wq", op: .quantizeLinear(axis: 0), inputs: ["w", "w_scale", "w_zp"], outputs: ["wq_out"]),
            Node(name: "wdq", op: .dequantizeLinear(axis: 0), inputs: ["wq_out", "w_scale", "w_zp"], outputs: ["y"]),
            Node(name: "xq", op: .quantizeLinear(axis: 1), inputs: ["x", "x_scale", "x_zp"], outputs: ["xq_out"]),
            Node(name: "xdq", op: .dequantizeLinear(axis: 1), inputs: ["xq_out", "x_scale", "x_zp"], outputs: ["z"]),
        ]
        let inits: [String: Tensor] = [
            "w": Tensor(shape: [2, 5], scalars: w),
            "w_scale": Tensor(shape: [2], scalars: [Float(0.01), 0.05]),
            "w_zp": Tensor(shape: [2], scalars: [Int8(0), 0]),
            "x_scale": Tensor(shape: [], scalars: [Float(0.1)]),
            "x_zp": Tensor(shape: [], scalars: [Int8(-20)]),
        ]
        let g = Graph(nodes: nodes, inputs: [ValueInfo(name: "x", shape: [1, 2, 5])],
                      outputs: [ValueInfo(name: "y", shape: [2, 5]), ValueInfo(name: "z", shape: [1, 2, 5])],
                      initializers: inits)
        return try TrainableGraph(graph: g, parameterNames: parameters)
    }

    /// `(clamp(round_half_even(v / s) + zp, −128, 127) − zp)·s`, written out independently.
    static func reference(_ v: Float, _ s: Float, _ zp: Float) -> Float {
        (min(max((v / s).rounded(.toNearestOrEven) + zp, -128), 127) - zp) * s
    }

    // Channel 0 (scale 0.01) spans ±1.27; channel 1 (scale 0.05) spans ±6.35. A tie (0.125 / 0.05
    // = 2.5 → 2), values inside, and values past both ends.
    static let w: [Float] = [0.333, -0.5, 1.2, 2.0, -3.0, 0.125, -1.0, 6.0, 7.5, -9.0]
    static let x: [Float] = [0.04, 0.05, -1.0, 10.0, 14.79, 14.9, -9.0, -10.9, 20.0, 0.35]

    @Test func forwardRoundsToTheInt8Grid() throws {
        let m = try Self.model(Self.w)
        let out = try m.forward(["x": Tensor(shape: [1, 2, 5], scalars: Self.x)], training: true)
        let y = out["y"]!.floatValues(), z = out["z"]!.floatValues()
        for i in 0..<10 {
            #expect(y[i] == Self.reference(Self.w[i], i < 5 ? 0.01 : 0.05, 0), "w[\(i)]")
            #expect(z[i] == Self.reference(Self.x[i], 0.1, -20), "x[\(i)]")
        }
        #expect(y[5] == 0.1)  // 2.5 rounds to even: 2 · 0.05
    }

    /// Scales as trained parameters (LSQ, `rppg qat --learn-scales`): through the Q → DQ pair that
    /// shares it, `∂y/∂s = (q − zp) − v/s` where the level is inside the range and `q − zp` (the
    /// clipped level) where it saturates, summed per channel; written out independently here.
    @Test func learnedScalesGetLSQsGradient() throws {
        let m = try Self.model(Self.w, parameters: ["w", "w_scale", "x_scale"])
        _ = try m.forward(["x": Tensor(shape: [1, 2, 5], scalars: Self.x)], training: true)
        let dy = (0..<10).map { Float($0 + 1) * 0.5 }
        let grads = try m.backward(["y": Tensor(shape: [2, 5], scalars: dy), "z": Tensor(shape: [1, 2, 5], scalars: dy)])
        func lsq(_ v: Float, _ s: Float, _ zp: Float) -> Double {
            let level = (v / s).rounded(.toNearestOrEven) + zp
            let q = min(max(level, -128), 127)
            return Double(q - zp) - (level == q ? Double(v / s) : 0)
        }
        var wExpected = [0.0, 0.0], xExpected = 0.0
        for i in 0..<10 {
            wExpected[i / 5] += Double(dy[i]) * lsq(Self.w[i], i < 5 ? 0.01 : 0.05, 0)
            xExpected += Double(dy[i]) * lsq(Self.x[i], 0.1, -20)
        }
        let ws = grads["w_scale"]!.floatValues(), xs = grads["x_scale"]!.floatValues()
        #expect(grads["x_scale"]!.shape == [] && grads["w_scale"]!.shape == [2])
        for c in 0..<2 { #expect(abs(Double(ws[c]) - wExpected[c]) <= 1e-4 * max(1, abs(wExpected[c])), "w_scale[\(c)]: \(ws[c]) vs \(wExpected[c])") }
        #expect(abs(Double(xs[0]) - xExpected) <= 1e-4 * max(1, abs(xExpected)), "x_scale: \(xs[0]) vs \(xExpected)")
        // Saturated elements pull the scale up (their clipped level times dy is all they give).
        #expect(xExpected != 0)
    }

    @Test func backwardIsTheStraightThroughEstimator() throws {
        let m = try Self.model(Self.w)
        _ = try m.forward(["x": Tensor(shape: [1, 2, 5], scalars: Self.x)], training: true)
        let dy = (0..<10).map { Float($0 + 1) * 0.5 }
        let grads = try m.backward(["y": Tensor(shape: [2, 5], scalars: dy), "z": Tensor(shape: [1, 2, 5], scalars: dy)],
                                   inputGradients: true)
        let dw = grads["w"]!.floatValues(), dx = grads["x"]!.floatValues()
        // Inside the range the gradient passes unchanged; saturated elements get none.
        let wInside = [true, true, true, false, false, true, true, true, false, false]
        // x levels: round(x/0.1) − 20 must lie in [−128, 127], i.e. x in [−10.8, 14.7] up to rounding.
        let xInside = [true, true, true, true, false, false, true, false, false, true]
        for i in 0..<10 {
            #expect(abs(dw[i] - (wInside[i] ? dy[i] : 0)) <= 1e-6 * dy[i], "dw[\(i)] = \(dw[i])")
            #expect(abs(dx[i] - (xInside[i] ? dy[i] : 0)) <= 1e-6 * dy[i], "dx[\(i)] = \(dx[i])")
        }
    }

    /// Finite differences over many grid steps: the staircase's mean slope is the STE's 1 inside
    /// the range (to within one step over the span) and exactly 0 beyond the clip.
    @Test func finiteDifferencesOverTheGridMatchTheEstimator() throws {
        let base: [Float] = [0.3, -0.4, 0.05, 2.0, -2.5, 1.0, -2.0, 0.5, 8.0, -9.0]
        let m = try Self.model(base)
        _ = try m.forward(["x": Tensor(shape: [1, 2, 5], scalars: Self.x)], training: true)
        let ones = [Float](repeating: 1, count: 10)
        let grads = try m.backward(["y": Tensor(shape: [2, 5], scalars: ones)])
        let dw = grads["w"]!.floatValues()
        for i in 0..<10 {
            let scale: Float = i < 5 ? 0.01 : 0.05
            let h = 20.5 * scale  // 41 grid steps across the central difference
            var plus = base, minus = base
            plus[i] += h
            minus[i] -= h
            let yp = try Self.model(plus).forward(["x": Tensor(shape: [1, 2, 5], scalars: Self.x)], training: false)["y"]!
            let ym = try Self.model(minus).forward(["x": Tensor(shape: [1, 2, 5], scalars: Self.x)], training: false)["y"]!
            let fd = (yp.floatValues()[i] - ym.floatValues()[i]) / (2 * h)
            let saturated = abs(base[i]) > 127 * scale + h
            if saturated {
                #expect(fd == 0 && dw[i] == 0, "w[\(i)]: fd \(fd), STE \(dw[i])")
            } else {
                #expect(abs(fd - dw[i]) <= 1.5 / 41, "w[\(i)]: fd \(fd), STE \(dw[i])")
                #expect(abs(dw[i] - 1) <= 1e-6)
            }
        }
    }
}
