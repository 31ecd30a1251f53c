@testable import Kernels
import Testing
import TensorCore

/// The convolution backward kernels (input gradient, weight gradient) against their plain twins
/// (`ConvReference.convTranspose`, `ConvReference.weightGradient`) on 1-D/2-D/3-D shapes with
/// strides, dilation, groups and asymmetric padding. Every case runs both the path the CPU picks
/// and the portable one (im2col + sgemm, GEMM + col2im); `RPPG_FP32_CONV=avx2` runs the AVX2
/// micro-kernels on an AVX-512 CPU.
struct FP32ConvGradientTests {
    typealias Case = FP32ConvTests.Case

    static let cases: [Case] = FP32ConvTests.cases + [
        // Stride 1, Cout a multiple of 4: the shifted-correlation and direct-kernel paths.
        Case(batch: 2, cin: 3, cout: 8, groups: 1, input: [5, 7, 9], kernel: [3, 3, 3], stride: [1, 1, 1],
             padsBegin: [1, 1, 1], padsEnd: [1, 1, 1], dilation: [1, 1, 1]),
        Case(batch: 1, cin: 8, cout: 16, groups: 1, input: [4, 9, 7], kernel: [1, 5, 5], stride: [1, 1, 1],
             padsBegin: [0, 2, 1], padsEnd: [0, 1, 2], dilation: [1, 1, 1]),
        Case(batch: 3, cin: 16, cout: 4, groups: 1, input: [3, 6, 5], kernel: [2, 3, 3], stride: [1, 1, 1],
             padsBegin: [0, 0, 1], padsEnd: [1, 0, 0], dilation: [1, 1, 1]),
        Case(batch: 2, cin: 8, cout: 8, groups: 1, input: [13, 17], kernel: [3, 3], stride: [1, 1],
             padsBegin: [1, 1], padsEnd: [1, 1], dilation: [1, 1]),
        Case(batch: 3, cin: 8, cout: 12, groups: 1, input: [31], kernel: [5], stride: [1],
             padsBegin: [2], padsEnd: [1], dilation: [1]),
        // More column blocks than work items (the fixed chunking of the partial sums).
        Case(batch: 2, cin: 3, cout: 8, groups: 1, input: [20, 40, 40], kernel: [3, 3, 3], stride: [1, 1, 1],
             padsBegin: [1, 1, 1], padsEnd: [1, 1, 1], dilation: [1, 1, 1]),
        // PhysNet's upsampling (as the forward conv its ConvTranspose3d transposes).
        Case(batch: 2, cin: 8, cout: 8, groups: 1, input: [8, 3, 3], kernel: [4, 1, 1], stride: [2, 1, 1],
             padsBegin: [1, 0, 0], padsEnd: [1, 0, 0], dilation: [1, 1, 1]),
    ]

    static func geometry(_ c: Case) -> ConvGeometry {
        ConvGeometry(batch: c.batch, inChannels: c.cin, outChannels: c.cout, groups: c.groups, inputSpatial: c.input,
                     kernel: c.kernel, stride: c.stride, padsBegin: c.padsBegin, padsEnd: c.padsEnd, dilation: c.dilation)
    }

    /// Largest difference relative to the reference's largest magnitude (at least 1).
    static func error(_ a: [Float], _ b: [Float]) -> Float {
        let scale = max(1, a.map(abs).max() ?? 0)
        return (zip(a, b).map { abs($0 - $1) }.max() ?? 0) / scale
    }

    @Test(arguments: cases)
    func weightGradientMatchesReference(_ c: Case) {
        let g = Self.geometry(c)
        var seed: UInt64 = 11
        let x = FP32ConvTests.random(c.batch * c.cin * g.inputVolume, seed: &seed)
        let dy = FP32ConvTests.random(c.batch * c.cout * g.outputVolume, seed: &seed)
        var ref = [Float](repeating: .nan, count: c.cout * g.patchSize)
        ConvReference.weightGradient(g, x: x, dy: dy, dw: &ref)
        for threads in [1, 2, 3] {
            var fast = [Float](repeating: .nan, count: ref.count)
            var scratch = [Float](repeating: .nan, count: FP32ConvGradient.weightGradientScratchFloats(g, threads: threads))
            scratch.withUnsafeMutableBufferPointer {
                FP32ConvGradient.weightGradient(g, x: x, dy: dy, dw: &fast, scratch: $0.baseAddress!, threads: threads)
            }
            #expect(Self.error(ref, fast) < 2e-6, "\(c) threads \(threads) fast=\(FP32ConvGradient.hasFastWeightGradient(g))")
            // The portable path on the same case, whatever the CPU.
            var portable = [Float](repeating: .nan, count: ref.count)
            let need = max(1, min(threads, g.batch * g.groups)) * FP32Conv.scratchFloats(g) + g.batch * g.outChannels * g.patchSize
            var s2 = [Float](repeating: .nan, count: need)
            s2.withUnsafeMutableBufferPointer {
                FP32ConvGradient.columnWeightGradient(g, x: x, dy: dy, dw: &portable, scratch: $0.baseAddress!, threads: threads)
            }
            #expect(Self.error(ref, portable) < 2e-6, "\(c) threads \(threads) portable")
        }
    }

    @Test(arguments: cases)
    func inputGradientMatchesReference(_ c: Case) {
        let g = Self.geometry(c)
        var seed: UInt64 = 13
        let w = FP32ConvTests.random(c.cout * g.patchSize, seed: &seed)
        let dy = FP32ConvTests.random(c.batch * c.cout * g.outputVolume, seed: &seed)
        var ref = [Float](repeating: .nan, count: c.batch * c.cin * g.inputVolume)
        ConvReference.convTranspose(g, x: dy, weight: w, bias: nil, y: &ref)
        for threads in [1, 3] {
            var fast = [Float](repeating: .nan, count: ref.count)
            var scratch = [Float](repeating: .nan, count: FP32ConvGradient.inputGradientScratchFloats(g, threads: threads))
            scratch.withUnsafeMutableBufferPointer {
                FP32ConvGradient.inputGradient(g, dy: dy, weight: w, dx: &fast, scratch: $0.baseAddress!, threads: threads)
            }
            let direct = FP32ConvGradient.inputGradientGeometry(g) != nil
            #expect(Self.error(ref, fast) < 2e-6, "\(c) threads \(threads) direct=\(direct)")
            var portable = [Float](repeating: .nan, count: ref.count)
            var s2 = [Float](repeating: .nan, count: max(1, min(threads, g.batch * g.groups)) * FP32Conv.transposeScratchFloats(g))
            s2.withUnsafeMutableBufferPointer {
                FP32Conv.convTranspose(g, x: dy, weight: w, bias: nil, y: &portable, scratch: $0.baseAddress!, threads: threads)
            }
            #expect(Self.error(ref, portable) < 2e-6, "\(c) threads \(threads) portable")
        }
    }

    /// The paths a CPU with a micro-kernel takes for the shapes of the zoo's stride-1 layers.
    @Test func blockCaseHasMoreBlocksThanWorkItems() {
        let g = Self.geometry(Self.cases[Self.cases.count - 2])
        guard FP32ConvGradient.hasFastWeightGradient(g) else { return }
        #expect(FP32ConvGradient.layout(g).length > FP32ConvGradient.chunks * FP32ConvGradient.blockFloats)
    }

    @Test func stride1LayersTakeTheFastPaths() {
        let g = ConvGeometry(batch: 4, inChannels: 16, outChannels: 32, groups: 1, inputSpatial: [8, 9, 9],
                             kernel: [3, 3, 3], stride: [1, 1, 1], padsBegin: [1, 1, 1], padsEnd: [1, 1, 1], dilation: [1, 1, 1])
        #expect(FP32ConvGradient.hasFastWeightGradient(g) == FP32DirectConv.isAvailable)
        #expect((FP32ConvGradient.inputGradientGeometry(g) != nil) == FP32DirectConv.isAvailable)
        let strided = Self.geometry(Self.cases.last!)
        #expect(!FP32ConvGradient.hasFastWeightGradient(strided) && FP32ConvGradient.inputGradientGeometry(strided) == nil)
    }

    /// The weight gradient does not depend on the thread count (fixed partial sums, fixed order).
    @Test func weightGradientIsIndependentOfThreads() {
        let g = Self.geometry(Self.cases[Self.cases.count - 2])
        var seed: UInt64 = 17
        let x = FP32ConvTests.random(g.batch * g.inChannels * g.inputVolume, seed: &seed)
        let dy = FP32ConvTests.random(g.batch * g.outChannels * g.outputVolume, seed: &seed)
        let results = [1, 2, 5].map { threads -> [Float] in
            var dw = [Float](repeating: 0, count: g.outChannels * g.patchSize)
            var scratch = [Float](repeating: 0, count: FP32ConvGradient.weightGradientScratchFloats(g, threads: threads))
            scratch.withUnsafeMutableBufferPointer {
                FP32ConvGradient.weightGradient(g, x: x, dy: dy, dw: &dw, scratch: $0.baseAddress!, threads: threads)
            }
            return dw
        }
        #expect(results[0] == results[1] && results[1] == results[2])
    }
}
