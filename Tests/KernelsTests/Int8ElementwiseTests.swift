import Testing
import Kernels

@Suite("Int8 requantization, quantize/dequantize, pooling and mean")
struct Int8ElementwiseTests {
    @Test func requantizationRoundsHalfToEvenAndClamps() {
        let rq = Int8Requantization(multipliers: [0.5], bias: [0], outputZeroPoint: 10)
        var acc: [Int32] = [1, 3, 5, -1, -3, 1000, -1000, 0]
        // 0.5→0, 1.5→2, 2.5→2, -0.5→-0, -1.5→-2, clamp to 127-10 and -128-10.
        let expected: [Int8] = [10, 12, 12, 10, 8, 127, -128, 10]
        var out = [Int8](repeating: 0, count: acc.count)
        rq.apply(row: &acc, count: acc.count, channel: 0, to: &out)
        #expect(out == expected)
        #expect((0..<acc.count).map { rq.apply(acc[$0], channel: 0) } == expected)
    }

    @Test func vectorRequantizationEqualsDefinition() {
        var rng = Int8TestRandom(seed: 42)
        let rq = Int8Requantization(multipliers: [0.0123, 0.25], bias: [77, -3], outputZeroPoint: -128,
                                    lower: -128, upper: 127)
        var acc = (0..<1000).map { _ in Int32(rng.int(-20000...20000)) }
        for c in 0..<2 {
            var out = [Int8](repeating: 0, count: acc.count)
            rq.apply(row: &acc, count: acc.count, channel: c, to: &out)
            // Independent formula: clamp, then Float's own round-half-to-even.
            let expected = acc.map { a -> Int8 in
                let v = min(max(Float(a &+ rq.bias[c]) * rq.multipliers[c], -128 + 128), 127 + 128)
                return Int8(Int32(v.rounded(.toNearestOrEven)) - 128)
            }
            #expect(out == expected)
        }
    }

    @Test func requantizationWithOffsetIsTheSameOnEveryPath() {
        // The convolution's epilogue adds the folded zero-point term; every path's loop must equal
        // the scalar formula on `acc &+ offset`, wrapping included, clamps included.
        var rng = Int8TestRandom(seed: 7)
        let rq = Int8Requantization(multipliers: [0.0123, 0.0007, 3.5], bias: [77, -3, Int32.max], outputZeroPoint: -9,
                                    lower: -9, upper: 127)
        var acc = (0..<1037).map { _ in Int32(rng.int(-200_000...200_000)) }
        acc[0] = Int32.max
        acc[1] = Int32.min
        for c in 0..<3 {
            for offset: Int32 in [0, -4321, 123_456] {
                let expected = acc.map { rq.apply($0 &+ offset, channel: c) }
                for path in Int8Dispatch.supportedPaths {
                    var out = [Int8](repeating: 0, count: acc.count)
                    rq.apply(row: &acc, count: acc.count, channel: c, accumulatorOffset: offset, path: path, to: &out)
                    #expect(out == expected, "path \(path), channel \(c), offset \(offset)")
                }
            }
        }
    }

    @Test func fusedReLUClampsAtZeroPoint() {
        let rq = Int8Requantization(inputScale: 0.1, weightScales: [0.2], outputScale: 0.05, outputZeroPoint: -20,
                                    channels: 1, bias: [0], fusedReLU: true)
        #expect(rq.apply(-500, channel: 0) == -20)
        #expect(rq.apply(500, channel: 0) == Int8(clamping: Int((Float(500) * ((0.1 * 0.2) / 0.05)).rounded(.toNearestOrEven)) - 20))
    }

    @Test func quantizeEqualsRoundThenClampOnASweep() {
        // Every tie and both saturations, against the textbook order of operations.
        for zp: Int32 in [-128, -3, 0, 77, 127] {
            for i in -80_000...80_000 {
                let x = Float(i) * 0.0025, scale: Float = 0.5
                var r = (x / scale).rounded(.toNearestOrEven) + Float(zp)
                r = min(max(r, -128), 127)
                #expect(Int8Quantize.quantize(x, scale: scale, zeroPoint: zp) == Int8(r))
            }
        }
        #expect(Int8Quantize.quantize(.infinity, scale: 0.5, zeroPoint: -3) == 127)
        #expect(Int8Quantize.quantize(-.infinity, scale: 0.5, zeroPoint: -3) == -128)
    }

    @Test func quantizeMatchesONNXDefinition() {
        #expect(Int8Quantize.quantize(0.25, scale: 0.5, zeroPoint: 0) == 0)   // 0.5 → 0 (even)
        #expect(Int8Quantize.quantize(0.75, scale: 0.5, zeroPoint: 0) == 2)   // 1.5 → 2
        #expect(Int8Quantize.quantize(-0.75, scale: 0.5, zeroPoint: 3) == 1)  // -1.5 → -2, +3
        #expect(Int8Quantize.quantize(1e9, scale: 0.5, zeroPoint: 0) == 127)
        #expect(Int8Quantize.quantize(-1e9, scale: 0.5, zeroPoint: 0) == -128)
        #expect(Int8Quantize.quantize(.nan, scale: 0.5, zeroPoint: 5) == 5)
        #expect(Int8Quantize.dequantize(-3, scale: 0.5, zeroPoint: 1) == -2)
    }

    @Test func maxAndAveragePoolMatchFloatDefinition() {
        var rng = Int8TestRandom(seed: 7)
        let input = [5, 9, 8], channels = 3
        let x = rng.int8s(channels * input.reduce(1, *))
        let s = Int8PoolShape(channels: channels, input: input, kernel: [2, 3, 3], stride: [2, 2, 2],
                              padsBegin: [0, 1, 1], output: [2, 5, 4])
        let outCount = channels * 2 * 5 * 4
        var maxOut = [Int8](repeating: 0, count: outCount), avgOut = maxOut
        let (xs, xz, ys, yz): (Float, Int32, Float, Int32) = (0.05, 3, 0.04, -7)
        x.withUnsafeBufferPointer { xp in
            Int8Pooling.max(s, input: xp.baseAddress!, output: &maxOut)
            Int8Pooling.average(s, countIncludePad: false, input: xp.baseAddress!, xScale: xs, xZeroPoint: xz,
                                yScale: ys, yZeroPoint: yz, output: &avgOut)
        }
        // Naive float definition over the window (padding excluded).
        var p = 0
        var offByOne = 0
        for c in 0..<channels {
            for z in 0..<2 { for y in 0..<5 { for w in 0..<4 {
                var best = Int8.min, sum = 0.0, n = 0
                for a in 0..<2 { for b in 0..<3 { for e in 0..<3 {
                    let d = z * 2 + a, h = y * 2 - 1 + b, ww = w * 2 - 1 + e
                    guard d < 5, h >= 0, h < 9, ww >= 0, ww < 8 else { continue }
                    let v = x[((c * 5 + d) * 9 + h) * 8 + ww]
                    best = max(best, v); sum += Double(Int32(v) - xz) * Double(xs); n += 1
                } } }
                #expect(maxOut[p] == best)
                let q = Int8(clamping: Int((sum / Double(n) / Double(ys)).rounded(.toNearestOrEven)) + Int(yz))
                #expect(abs(Int(avgOut[p]) - Int(q)) <= 1)
                if avgOut[p] != q { offByOne += 1 }
                p += 1
            } } }
        }
        // Float32 vs float64 rounding only moves exact ties: at most 1 LSB, rarely.
        #expect(offByOne <= outCount / 50)
    }

    @Test(arguments: [[1, 2, 2], [2, 2, 2], [2, 3, 1]])
    func unpaddedPoolingEqualsWindowDefinition(kernel: [Int]) {
        // Windows entirely inside the input take the direct-sum path; odd sizes leave a remainder.
        var rng = Int8TestRandom(seed: UInt64(kernel.reduce(0) { $0 * 10 + $1 }))
        let input = [5, 9, 8], channels = 2
        let stride = kernel.map { max($0, 1) }
        let output = (0..<3).map { (input[$0] - kernel[$0]) / stride[$0] + 1 }
        let x = rng.int8s(channels * input.reduce(1, *))
        let s = Int8PoolShape(channels: channels, input: input, kernel: kernel, stride: stride,
                              padsBegin: [0, 0, 0], output: output)
        let outCount = channels * output.reduce(1, *)
        let (xs, xz, ys, yz): (Float, Int32, Float, Int32) = (0.05, 3, 0.03, -7)
        let full = kernel.reduce(1, *)
        for includePad in [false, true] {
            var maxOut = [Int8](repeating: 0, count: outCount), avgOut = maxOut, maxRequantized = maxOut
            x.withUnsafeBufferPointer { xp in
                Int8Pooling.max(s, input: xp.baseAddress!, output: &maxOut)
                Int8Pooling.max(s, input: xp.baseAddress!, output: &maxRequantized, requantize: (xs, xz, ys, yz))
                Int8Pooling.average(s, countIncludePad: includePad, input: xp.baseAddress!, xScale: xs, xZeroPoint: xz,
                                    yScale: ys, yZeroPoint: yz, output: &avgOut)
            }
            var p = 0
            for c in 0..<channels {
                for z in 0..<output[0] { for y in 0..<output[1] { for w in 0..<output[2] {
                    // ONNX Runtime's QLinearAveragePool: float32 taps summed in window order.
                    var best = Int8.min, sum: Float = 0
                    for a in 0..<kernel[0] { for b in 0..<kernel[1] { for e in 0..<kernel[2] {
                        let v = x[((c * input[0] + z * stride[0] + a) * input[1] + y * stride[1] + b) * input[2]
                                  + w * stride[2] + e]
                        best = max(best, v); sum += xs * Float(Int32(v) - xz)
                    } } }
                    let r = (sum / Float(full) / ys + Float(yz)).rounded(.toNearestOrEven)
                    #expect(maxOut[p] == best)
                    #expect(maxRequantized[p] == Int8Quantize.quantize(Float(Int32(best) - xz) * xs, scale: ys, zeroPoint: yz))
                    #expect(avgOut[p] == Int8(min(max(r, -128), 127)))
                    p += 1
                } } }
            }
        }
    }

    @Test(arguments: [[2, 3], [-1], [1, 2, 3]])
    func meanOverTrailingAxesEqualsIntegerFormula(axes: [Int]) {
        var rng = Int8TestRandom(seed: UInt64(axes.count * 17))
        let shape = [2, 3, 4, 5]
        let reduced = Set(axes.map { $0 < 0 ? $0 + 4 : $0 })
        let count = reduced.reduce(1) { $0 * shape[$1] }, outCount = shape.reduce(1, *) / count
        let x = rng.int8s(shape.reduce(1, *))
        var out = [Int8](repeating: 0, count: outCount), sums = [Int32](repeating: 0, count: outCount)
        let (xs, xz, ys, yz): (Float, Int32, Float, Int32) = (0.1, -5, 0.02, 9)
        x.withUnsafeBufferPointer {
            Int8Pooling.mean(shape: shape, axes: axes, input: $0.baseAddress!, xScale: xs, xZeroPoint: xz, yScale: ys,
                             yZeroPoint: yz, output: &out, sums: &sums)
        }
        for j in 0..<outCount {
            let sum = x[(j * count)..<((j + 1) * count)].reduce(Int32(0)) { $0 + Int32($1) - xz }
            let r = (Float(sum) * (xs / Float(count) / ys)).rounded(.toNearestOrEven) + Float(yz)
            #expect(out[j] == Int8(min(max(r, -128), 127)), "output \(j), axes \(axes)")
        }
    }

    @Test func meanOverAxesMatchesFloatDefinition() {
        var rng = Int8TestRandom(seed: 11)
        let shape = [2, 3, 4, 5]
        let x = rng.int8s(shape.reduce(1, *))
        var out = [Int8](repeating: 0, count: 2 * 4)
        var sums = [Int32](repeating: 0, count: 8)
        x.withUnsafeBufferPointer {
            Int8Pooling.mean(shape: shape, axes: [1, -1], input: $0.baseAddress!, xScale: 0.1, xZeroPoint: -5,
                             yScale: 0.02, yZeroPoint: 1, output: &out, sums: &sums)
        }
        for b in 0..<2 {
            for h in 0..<4 {
                var sum = 0
                for c in 0..<3 { for w in 0..<5 { sum += Int(x[((b * 3 + c) * 4 + h) * 5 + w]) + 5 } }
                let v = (Float(sum) * (Float(0.1) / 15 / 0.02)).rounded(.toNearestOrEven) + 1
                #expect(out[b * 4 + h] == Int8(min(max(v, -128), 127)))
            }
        }
    }
}
