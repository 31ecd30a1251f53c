import NN
import Testing
@testable import Training

/// Pooling over tiling windows runs on the FP32 kernels (`FP32Pool`) and dedicated loops; each
/// must give exactly what the generic window loops give (values, argmax, gradients), including
/// ties (first maximum wins), NaN and an uncovered remainder.
struct PoolingFastPathTests {
    static let shapes: [(x: [Int], kernel: [Int])] = [
        ([2, 3, 4, 9, 8], [1, 2, 2]), ([1, 2, 5, 6, 7], [2, 2, 2]), ([2, 2, 9, 10], [2, 3]), ([3, 2, 11], [2]),
    ]

    static func input(_ shape: [Int], nan: Bool) -> Activation {
        var seed: UInt64 = 9
        var values = (0..<shape.reduce(1, *)).map { _ -> Float in
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return Float((seed >> 33) % 5)   // few levels: many ties
        }
        if nan { values[3] = .nan; values[values.count / 2] = .nan }
        return Activation(shape: shape, data: values)
    }

    @Test(arguments: 0..<shapes.count)
    func tilingPathsEqualTheWindowLoops(_ index: Int) throws {
        let (shape, kernel) = Self.shapes[index]
        let a = PoolAttributes(kernel: kernel, stride: kernel)
        let g = try #require(PoolingGradients.tiling(shape, a))
        let w = try PoolingGradients.windows(xShape: shape, a)
        let outShape = Array(shape[..<2]) + Array(w.output.suffix(kernel.count))
        for nan in [false, true] {
            let x = Self.input(shape, nan: nan)
            let (fast, fastArg) = PoolingGradients.tileMaxForward(x, g, rank: kernel.count)
            let (slow, slowArg) = PoolingGradients.maxForward(x, w, outShape: outShape)
            #expect(fast.shape == slow.shape && fastArg == slowArg, "\(shape) k\(kernel) nan \(nan)")
            #expect(zip(fast.data, slow.data).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) })
        }
        let x = Self.input(shape, nan: false)
        let average = PoolingGradients.tileAverageForward(x, g, rank: kernel.count)
        let reference = PoolingGradients.averageForward(x, w, outShape: outShape)
        #expect(average.shape == reference.shape)
        #expect(zip(average.data, reference.data).allSatisfy { abs($0 - $1) <= 1e-6 * max(1, abs($1)) })
        let dy = Activation(shape: outShape, data: (0..<outShape.reduce(1, *)).map { Float($0 % 7) - 3 })
        #expect(PoolingGradients.tileAverageBackward(dy, g, inShape: shape).data
                == PoolingGradients.averageBackward(dy, w, inShape: shape).data)
    }
}
