import Kernels
import Testing

@Suite("Int8 direct convolution equals the reference bit for bit",
       .enabled(if: Int8Dispatch.isSupported(.avx2), "needs AVX2 (and AVX-512 VNNI for its own path)"))
struct Int8DirectConvolutionTests {
    struct Case: CustomStringConvertible, Sendable {
        var shape: Int8ConvShape
        var description: String {
            "b\(shape.batch) \(shape.inChannels)→\(shape.outChannels) in \(shape.input) k \(shape.kernel) p \(shape.padsBegin) out \(shape.output)"
        }
    }

    static func conv(_ b: Int, _ cin: Int, _ cout: Int, _ input: [Int], _ kernel: [Int], pads: [Int]? = nil,
                     padsEnd: [Int]? = nil) -> Case {
        Case(shape: Int8ConvShape(batch: b, inChannels: cin, outChannels: cout, input: input, kernel: kernel,
                                  padsBegin: pads, padsEnd: padsEnd))
    }

    /// TinyPulse's three shapes (shortened in depth), channel counts that are not multiples of
    /// 4 or 8, rows shorter and longer than a micro-tile, one-sided and no padding, 1-D and 2-D,
    /// output slices smaller than 16 bytes (the exact-copy path), batch 2, and batches of 2-D frames
    /// as DeepPhys runs them (more items than workers: each worker reuses its own volume).
    static let cases: [Case] = [
        conv(1, 3, 8, [6, 36, 36], [1, 5, 5], pads: [0, 2, 2]),
        conv(1, 8, 16, [5, 18, 18], [3, 3, 3], pads: [1, 1, 1]),
        conv(2, 16, 32, [4, 9, 9], [3, 3, 3], pads: [1, 1, 1]),
        conv(1, 5, 7, [3, 7, 11], [3, 3, 3], pads: [1, 1, 1]),
        conv(1, 1, 1, [2, 3, 4], [1, 3, 3], pads: [0, 1, 1]),
        conv(1, 17, 9, [3, 5, 5], [2, 3, 2], pads: [0, 0, 1], padsEnd: [1, 2, 0]),
        conv(1, 6, 24, [4, 10, 13], [3, 1, 5], pads: [0, 0, 0]),
        conv(2, 4, 12, [2, 19, 23], [1, 3, 3], pads: [0, 1, 1]),
        conv(1, 32, 1, [5, 1, 1], [1, 1, 1]),
        conv(1, 7, 10, [50, 3], [3, 3], pads: [1, 1]),
        conv(2, 3, 5, [70], [7], pads: [3]),
        conv(1, 9, 17, [3, 20, 3], [3, 3, 3], pads: [2, 1, 2]),
        // Shared row padding: pads beyond the kernel on one side, on both, and very uneven.
        conv(1, 4, 6, [3, 6, 7], [1, 3, 3], pads: [0, 3, 0], padsEnd: [0, 0, 4]),
        conv(1, 3, 5, [2, 4, 5], [3, 2, 2], pads: [2, 3, 3], padsEnd: [2, 3, 3]),
        conv(1, 10, 4, [3, 9, 9], [3, 3, 3], pads: [1, 2, 0], padsEnd: [1, 0, 2]),
        conv(7, 6, 8, [1, 12, 12], [1, 3, 3], pads: [0, 1, 1]),
        conv(5, 3, 5, [9, 10], [3, 3], pads: [1, 1]),
    ]

    /// The direct kernel's paths on this CPU.
    static let paths = [Int8Path.avx512VNNI, .avx2].filter(Int8Dispatch.isSupported)

    @Test(arguments: cases)
    func directMatchesReference(_ c: Case) {
        let s = c.shape
        for path in Self.paths { #expect(Int8DirectConvolution.supports(s, path: path)) }
        var rng = Int8TestRandom(seed: UInt64(s.reduction * 104_729 + s.outputPositions))
        let w = rng.int8s(s.outChannels * s.reduction, weights: true)
        let x = rng.int8s(s.batch * s.inChannels * s.inputPositions)
        for (zp, yzp, relu) in [(Int32(rng.int(-128...127)), Int32(rng.int(-100...100)), false), (-128, 5, true), (127, -128, false)] {
            // Multipliers small enough that outputs spread over the int8 range and hit the clamp.
            let rq = Int8Requantization(
                multipliers: (0..<s.outChannels).map { _ in Float(rng.int(1...400)) * 1e-5 },
                bias: (0..<s.outChannels).map { _ in Int32(rng.int(-5000...5000)) },
                outputZeroPoint: yzp, lower: relu ? max(-128, yzp) : -128)
            let count = s.batch * s.outChannels * s.outputPositions
            var expected = [Int8](repeating: 0, count: count)
            x.withUnsafeBufferPointer { xp in
                expected.withUnsafeMutableBufferPointer { out in
                    Int8ConvolutionReference.accumulate(shape: s, weights: w, input: xp.baseAddress!, xZeroPoint: zp) {
                        rq.apply(row: $2, count: $3, channel: $0, to: out.baseAddress! + $1)
                    }
                }
            }
            if s.outputPositions * s.outChannels > 200 {
                #expect(Set(expected).count > 20, "requantized outputs should spread over the int8 range")
            }
            for path in Self.paths { for threads in [1, 3] {
                let direct = Int8DirectConvolution(shape: s, weights: w, requantization: rq, path: path, threads: threads,
                                                   minimumMACsPerWorker: 1)
                // Poisoned output: every byte must be written.
                var got = [Int8](repeating: 0x55, count: count)
                x.withUnsafeBufferPointer { direct.run(input: $0.baseAddress!, xZeroPoint: zp, output: &got) }
                #expect(got == expected, "\(path), threads \(threads), zp \(zp), \(c)")
                // A second run reuses the volume and bias buffers.
                var again = [Int8](repeating: -0x56, count: count)
                x.withUnsafeBufferPointer { direct.run(input: $0.baseAddress!, xZeroPoint: zp, output: &again) }
                #expect(again == expected, "second run, \(path), threads \(threads), \(c)")
            } }
        }
    }

    @Test(.enabled(if: Int8Dispatch.isSupported(.avx512VNNI), "needs AVX-512 VNNI"))
    func convolutionPicksTheDirectKernelOnlyWhereItApplies() {
        let same = Int8ConvShape(batch: 1, inChannels: 8, outChannels: 16, input: [4, 9, 9], kernel: [3, 3, 3],
                                 padsBegin: [1, 1, 1])
        let strided = Int8ConvShape(batch: 1, inChannels: 8, outChannels: 16, input: [4, 9, 9], kernel: [3, 3, 3],
                                    stride: [1, 2, 2], padsBegin: [1, 1, 1])
        let grouped = Int8ConvShape(batch: 1, inChannels: 8, outChannels: 16, input: [4, 9, 9], kernel: [3, 3, 3],
                                    padsBegin: [1, 1, 1], groups: 2)
        let dilated = Int8ConvShape(batch: 1, inChannels: 8, outChannels: 16, input: [4, 9, 9], kernel: [3, 3, 3],
                                    padsBegin: [1, 1, 1], dilation: [1, 2, 2])
        let cropped = Int8ConvShape(batch: 1, inChannels: 8, outChannels: 16, input: [4, 9, 9], kernel: [3, 3, 3],
                                    padsBegin: [1, 1, 1], padsEnd: [0, -1, 0])
        #expect(Int8DirectConvolution.supports(same, path: .avx512VNNI))
        #expect(Int8DirectConvolution.supports(same, path: .avx2))
        #expect(!Int8DirectConvolution.supports(same, path: .portable))
        #expect(!Int8DirectConvolution.supports(same, path: .avxVNNI))
        for s in [strided, grouped, dilated, cropped] { #expect(!Int8DirectConvolution.supports(s, path: .avx512VNNI), "\(s)") }
        let rq = Int8Requantization(multipliers: [Float](repeating: 1e-3, count: 16), bias: [Int32](repeating: 0, count: 16),
                                    outputZeroPoint: 0)
        let w = [Int8](repeating: 1, count: 16 * same.reduction)
        #expect(Int8Convolution(shape: same, weights: w, requantization: rq, path: .avx512VNNI, allowDirect: true).direct != nil)
        #expect(Int8Convolution(shape: same, weights: w, requantization: rq, path: .avx512VNNI, allowDirect: false).direct == nil)
        #expect(Int8Convolution(shape: strided, weights: w, requantization: rq, path: .avx512VNNI).direct == nil)
    }
}
