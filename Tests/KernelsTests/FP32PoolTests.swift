import Kernels
import Testing

/// The tiling fast path of `FP32Pool.pool` (stride = kernel, no padding) against a plain loop
/// over each window, for max and average, with odd sizes that leave a remainder uncovered.
struct FP32PoolTests {
    static let shapes: [(input: [Int], kernel: [Int])] = [
        ([4, 36, 36], [1, 2, 2]), ([5, 9, 7], [2, 2, 2]), ([3, 7, 11], [1, 3, 2]), ([2, 5, 5], [2, 1, 3]),
    ]

    @Test(arguments: 0..<shapes.count)
    func tilingPoolMatchesWindowLoop(_ index: Int) {
        let (input, kernel) = Self.shapes[index]
        let g = PoolGeometry(planes: 3, inputSpatial: input, kernel: kernel, stride: kernel, padsBegin: [0, 0, 0],
                             padsEnd: [0, 0, 0], ceilMode: false)
        #expect(FP32Pool.isTiling(g))
        var seed: UInt64 = 3
        let x = FP32ConvTests.random(3 * input.reduce(1, *), seed: &seed)
        let (od, oh, ow) = (g.output[0], g.output[1], g.output[2])
        for isMax in [false, true] {
            var fast = [Float](repeating: .nan, count: 3 * od * oh * ow)
            FP32Pool.pool(g, isMax: isMax, countIncludePad: false, x: x, y: &fast)
            var expected: [Float] = []
            for p in 0..<3 { for z in 0..<od { for yy in 0..<oh { for xx in 0..<ow {
                var window: [Float] = []
                for a in 0..<kernel[0] { for b in 0..<kernel[1] { for c in 0..<kernel[2] {
                    let (iz, iy, ix) = (z * kernel[0] + a, yy * kernel[1] + b, xx * kernel[2] + c)
                    window.append(x[((p * input[0] + iz) * input[1] + iy) * input[2] + ix])
                } } }
                expected.append(isMax ? window.max()! : window.reduce(0, +) / Float(window.count))
            } } } }
            let err = zip(expected, fast).map { abs($0 - $1) }.max() ?? 0
            #expect(err < 1e-6, "\(input) k\(kernel) max \(isMax): max error \(err)")
        }
    }

    /// The average-pool input gradient against the plain loop (each window's elements get
    /// dy / volume, the uncovered remainder 0), and the adjoint identity ⟨pool(x), dy⟩ = ⟨x, dx⟩.
    @Test(arguments: 0..<shapes.count)
    func tileAverageGradientMatchesWindowLoop(_ index: Int) {
        let (input, kernel) = Self.shapes[index]
        let g = PoolGeometry(planes: 3, inputSpatial: input, kernel: kernel, stride: kernel, padsBegin: [0, 0, 0],
                             padsEnd: [0, 0, 0], ceilMode: false)
        var seed: UInt64 = 5
        let (od, oh, ow) = (g.output[0], g.output[1], g.output[2])
        let dy = FP32ConvTests.random(3 * od * oh * ow, seed: &seed)
        let x = FP32ConvTests.random(3 * input.reduce(1, *), seed: &seed)
        var dx = [Float](repeating: 0, count: x.count)
        FP32Pool.tileAverageGradient(g, dy: dy, dx: &dx)
        var expected = [Float](repeating: 0, count: x.count)
        let volume = Float(kernel.reduce(1, *))
        for p in 0..<3 { for z in 0..<od { for yy in 0..<oh { for xx in 0..<ow {
            let v = dy[((p * od + z) * oh + yy) * ow + xx] / volume
            for a in 0..<kernel[0] { for b in 0..<kernel[1] { for c in 0..<kernel[2] {
                let (iz, iy, ix) = (z * kernel[0] + a, yy * kernel[1] + b, xx * kernel[2] + c)
                expected[((p * input[0] + iz) * input[1] + iy) * input[2] + ix] = v
            } } }
        } } } }
        #expect(dx == expected, "\(input) k\(kernel)")
        var y = [Float](repeating: 0, count: dy.count)
        FP32Pool.pool(g, isMax: false, countIncludePad: false, x: x, y: &y)
        let lhs = zip(y, dy).reduce(0.0) { $0 + Double($1.0 * $1.1) }
        let rhs = zip(x, dx).reduce(0.0) { $0 + Double($1.0 * $1.1) }
        #expect(abs(lhs - rhs) < 1e-4 * max(1, abs(lhs)), "\(input) k\(kernel): \(lhs) vs \(rhs)")
    }
}
