import Testing
import Kernels

@Suite("Int8 convolution: every path and thread count equals the reference")
struct Int8ConvolutionTests {
    struct Case: CustomStringConvertible, Sendable {
        var shape: Int8ConvShape
        var description: String { "in \(shape.input) k \(shape.kernel) s \(shape.stride) p \(shape.padsBegin) g \(shape.groups)" }
    }

    static let cases: [Case] = [
        Case(shape: Int8ConvShape(batch: 1, inChannels: 3, outChannels: 5, input: [9], kernel: [3], padsBegin: [1])),
        Case(shape: Int8ConvShape(batch: 2, inChannels: 3, outChannels: 8, input: [7, 9], kernel: [3, 3],
                                  stride: [2, 1], padsBegin: [1, 0], padsEnd: [0, 2])),
        Case(shape: Int8ConvShape(batch: 1, inChannels: 4, outChannels: 6, input: [5, 8, 7], kernel: [3, 3, 3],
                                  padsBegin: [1, 1, 1], groups: 2)),
        Case(shape: Int8ConvShape(batch: 1, inChannels: 3, outChannels: 9, input: [6, 11, 10], kernel: [1, 5, 5],
                                  stride: [1, 2, 2], padsBegin: [0, 2, 2])),
        Case(shape: Int8ConvShape(batch: 1, inChannels: 6, outChannels: 6, input: [4, 6, 6], kernel: [3, 3, 3],
                                  padsBegin: [1, 1, 1], dilation: [1, 2, 2], groups: 6)),
        Case(shape: Int8ConvShape(batch: 1, inChannels: 16, outChannels: 17, input: [5, 9, 9], kernel: [3, 3, 3],
                                  padsBegin: [1, 1, 1])),
        // Several column blocks (the last one partial in every panel width), several vol2col
        // chunks, unit-stride rows with padding on both sides and rows shorter than a panel.
        Case(shape: Int8ConvShape(batch: 2, inChannels: 8, outChannels: 11, input: [9, 20, 17], kernel: [3, 3, 3],
                                  padsBegin: [1, 1, 1])),
        Case(shape: Int8ConvShape(batch: 1, inChannels: 5, outChannels: 7, input: [4, 20, 7], kernel: [2, 5, 5],
                                  stride: [1, 1, 1], padsBegin: [0, 2, 3], padsEnd: [1, 2, 1])),
        // Stride 2 in every axis with dilation and an odd reduction (k = 3·3·3·3 = 81).
        Case(shape: Int8ConvShape(batch: 1, inChannels: 3, outChannels: 10, input: [9, 13, 12], kernel: [3, 3, 3],
                                  stride: [2, 2, 2], padsBegin: [1, 1, 1], dilation: [1, 2, 1])),
    ]

    @Test(arguments: cases)
    func fastPathsMatchReference(_ c: Case) {
        let s = c.shape
        var rng = Int8TestRandom(seed: UInt64(s.reduction * 7919 + s.outputPositions))
        let w = rng.int8s(s.outChannels * s.reduction, weights: true)
        let x = rng.int8s(s.batch * s.inChannels * s.inputPositions)
        let zp = Int32(rng.int(-128...127))
        let yzp = Int32(rng.int(-128...127))
        // Multipliers small enough that outputs cover the whole int8 range and hit the clamp.
        let rq = Int8Requantization(
            multipliers: (0..<s.outChannels).map { _ in Float(rng.int(1...400)) * 1e-5 },
            bias: (0..<s.outChannels).map { _ in Int32(rng.int(-5000...5000)) },
            outputZeroPoint: yzp, lower: c.shape.groups > 1 ? max(-128, yzp) : -128)
        let outCount = s.batch * s.outChannels * s.outputPositions
        func run(_ path: Int8Path, threads: Int, allowDirect: Bool = true) -> ([Int32], [Int8]) {
            let conv = Int8Convolution(shape: s, weights: w, requantization: rq, path: path, threads: threads,
                                       allowDirect: allowDirect)
            var acc = [Int32](repeating: 0, count: outCount)
            var out = [Int8](repeating: 0, count: outCount)
            x.withUnsafeBufferPointer { xp in
                conv.runAccumulators(input: xp.baseAddress!, xZeroPoint: zp, output: &acc)
                conv.run(input: xp.baseAddress!, xZeroPoint: zp, output: &out)
            }
            return (acc, out)
        }
        let (refAcc, refOut) = run(.reference, threads: 1)
        #expect(Set(refOut).count > 20, "requantized outputs should spread over the int8 range")
        for path in Int8Dispatch.supportedPaths where path != .reference {
            for threads in [1, 3] {
                let (acc, out) = run(path, threads: threads)
                #expect(acc == refAcc, "accumulators, path \(path), threads \(threads), \(c)")
                #expect(out == refOut, "int8 outputs, path \(path), threads \(threads), \(c)")
                // vol2col + GEMM where the direct kernel would otherwise take the layer.
                let (_, gemmOut) = run(path, threads: threads, allowDirect: false)
                #expect(gemmOut == refOut, "int8 outputs without the direct kernel, path \(path), threads \(threads), \(c)")
            }
        }
    }

    @Test(arguments: [cases[1], cases[6]])
    func everyWorkerCountMatchesReference(_ c: Case) {
        // Small layers run on one thread by default; force a worker per block to cover the split.
        let s = c.shape
        var rng = Int8TestRandom(seed: UInt64(s.reduction * 31 + s.outputPositions))
        let w = rng.int8s(s.outChannels * s.reduction, weights: true)
        let x = rng.int8s(s.batch * s.inChannels * s.inputPositions)
        let rq = Int8Requantization(multipliers: (0..<s.outChannels).map { _ in Float(rng.int(1...400)) * 1e-5 },
                                    bias: (0..<s.outChannels).map { _ in Int32(rng.int(-5000...5000)) }, outputZeroPoint: 3)
        let outCount = s.batch * s.outChannels * s.outputPositions
        func run(_ path: Int8Path, threads: Int) -> [Int8] {
            let conv = Int8Convolution(shape: s, weights: w, requantization: rq, path: path, threads: threads,
                                       minimumMACsPerWorker: 1)
            var out = [Int8](repeating: 0, count: outCount)
            x.withUnsafeBufferPointer { conv.run(input: $0.baseAddress!, xZeroPoint: -7, output: &out) }
            return out
        }
        let expected = run(.reference, threads: 1)
        for path in Int8Dispatch.supportedPaths where path != .reference {
            for threads in [2, 3] { #expect(run(path, threads: threads) == expected, "path \(path), threads \(threads), \(c)") }
        }
    }

    @Test(arguments: [cases[2], cases[6], cases[7], cases[8]])
    func volumeColumnsMatchTheDefinition(_ c: Case) {
        // The public vol2col (no column masks: per-row padding fix-up) against the tap-by-tap definition.
        let s = c.shape
        var rng = Int8TestRandom(seed: UInt64(s.reduction))
        let cin = s.inChannels / s.groups
        let x = rng.int8s(cin * s.inputPositions)
        let first = s.outputPositions / 3, count = s.outputPositions - first
        var got = [Int8](repeating: 0, count: s.reduction * count)
        x.withUnsafeBufferPointer {
            Int8VolumeColumns.fill(shape: s, input: $0.baseAddress!, channels: cin, zeroPoint: -5, firstColumn: first,
                                   count: count, into: &got)
        }
        var expected: [Int8] = []
        for ch in 0..<cin { for a in 0..<s.kernel[0] { for b in 0..<s.kernel[1] { for e in 0..<s.kernel[2] {
            for n in first..<(first + count) {
                let z = n / (s.output[1] * s.output[2]), y = n / s.output[2] % s.output[1], w = n % s.output[2]
                let d = z * s.stride[0] - s.padsBegin[0] + a * s.dilation[0]
                let h = y * s.stride[1] - s.padsBegin[1] + b * s.dilation[1]
                let v = w * s.stride[2] - s.padsBegin[2] + e * s.dilation[2]
                let inside = d >= 0 && d < s.input[0] && h >= 0 && h < s.input[1] && v >= 0 && v < s.input[2]
                expected.append(inside ? x[((ch * s.input[0] + d) * s.input[1] + h) * s.input[2] + v] : -5)
            }
        } } } }
        #expect(got == expected, "\(c)")
    }
}
