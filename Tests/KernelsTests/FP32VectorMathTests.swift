import Foundation
import Kernels
import Testing

/// The vectorised activations against libm on a sweep (and the special values).
@Suite struct FP32VectorMathTests {
    static let sweep: [Float] = {
        var v: [Float] = [0, -0, 1e-30, -1e-30, 1e-7, 0.0624, 0.0625, 0.0626, -0.0625, 9, 9.5, -9.5, 20, -20, 87, -87, 88, 89, -89,
                          -100, 100, .infinity, -.infinity]
        var x: Float = -12
        while x <= 12 { v.append(x); x += 0.000_731 }  // ~33k points, not aligned to 16
        return v
    }()

    static func apply(_ f: FP32Activation, _ x: [Float]) -> [Float] {
        var y = [Float](repeating: 0, count: x.count)
        f.apply(x, &y, count: x.count)
        return y
    }

    static func check(_ got: [Float], _ x: [Float], _ reference: (Float) -> Float, tolerance: Float) {
        var worst: Float = 0, at: Float = 0
        for (g, v) in zip(got, x) {
            let want = reference(v)
            if want.isNaN { #expect(g.isNaN); continue }
            let err = abs(g - want) / max(abs(want), 1)  // relative, absolute below 1
            if !(err <= worst) { worst = err; at = v }
        }
        #expect(worst <= tolerance, "worst error \(worst) at x = \(at)")
    }

    @Test func tanhMatchesLibm() {
        let x = Self.sweep
        Self.check(Self.apply(.tanh, x), x, { Foundation.tanh($0) }, tolerance: 3e-7)
        #expect(Self.apply(.tanh, [.nan])[0].isNaN)
        #expect(Self.apply(.tanh, [-0.0])[0].sign == .minus)
    }

    @Test func sigmoidMatchesLibm() {
        let x = Self.sweep
        Self.check(Self.apply(.sigmoid, x), x, { 1 / (1 + Foundation.exp(-$0)) }, tolerance: 3e-7)
        #expect(Self.apply(.sigmoid, [.nan])[0].isNaN)
    }

    @Test func eluMatchesLibm() {
        let x = Self.sweep
        Self.check(Self.apply(.elu(alpha: 1), x), x, { $0 > 0 ? $0 : Foundation.expm1($0) }, tolerance: 3e-7)
        Self.check(Self.apply(.elu(alpha: 0.7), x), x, { $0 > 0 ? $0 : 0.7 * Foundation.expm1($0) }, tolerance: 3e-7)
        #expect(Self.apply(.elu(alpha: 1), [.nan])[0].isNaN)
    }
}
