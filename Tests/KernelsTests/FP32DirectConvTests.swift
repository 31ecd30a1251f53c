import Kernels
import Testing
import TensorCore

/// The direct convolution against `ConvReference` on odd sizes and paddings, with several work
/// items and threads (runs only where the CPU has a micro-kernel; `RPPG_FP32_CONV=avx2` tests
/// the AVX2 one on an AVX-512 CPU).
struct FP32DirectConvTests {
    struct Case: CustomStringConvertible, Sendable {
        var batch, cin, cout: Int
        var input, kernel, padsBegin, padsEnd: [Int]
        var description: String { "b\(batch) \(cin)->\(cout) in\(input) k\(kernel) p\(padsBegin)-\(padsEnd)" }
    }

    static let cases: [Case] = [
        Case(batch: 1, cin: 3, cout: 8, input: [5, 7, 9], kernel: [3, 3, 3], padsBegin: [1, 1, 1], padsEnd: [1, 1, 1]),
        Case(batch: 2, cin: 5, cout: 16, input: [4, 9, 7], kernel: [1, 5, 5], padsBegin: [0, 2, 1], padsEnd: [0, 1, 2]),
        Case(batch: 1, cin: 2, cout: 24, input: [6, 11, 10], kernel: [3, 2, 3], padsBegin: [1, 0, 2], padsEnd: [0, 1, 0]),
        Case(batch: 1, cin: 7, cout: 8, input: [3, 13, 17], kernel: [2, 3, 3], padsBegin: [0, 0, 0], padsEnd: [0, 0, 0]),
        // Many output planes per work item and more than one item (planes of 2×3 padded to 4×5).
        Case(batch: 2, cin: 4, cout: 8, input: [700, 2, 3], kernel: [3, 3, 3], padsBegin: [1, 1, 1], padsEnd: [1, 1, 1]),
        Case(batch: 1, cin: 6, cout: 16, input: [13, 17], kernel: [3, 3], padsBegin: [1, 1], padsEnd: [1, 1]),
        Case(batch: 3, cin: 2, cout: 8, input: [31], kernel: [5], padsBegin: [2], padsEnd: [1]),
    ]

    @Test(arguments: cases)
    func directConvMatchesReference(_ c: Case) {
        let g = ConvGeometry(batch: c.batch, inChannels: c.cin, outChannels: c.cout, groups: 1,
                             inputSpatial: c.input, kernel: c.kernel, stride: c.kernel.map { _ in 1 },
                             padsBegin: c.padsBegin, padsEnd: c.padsEnd, dilation: c.kernel.map { _ in 1 })
        #expect(FP32DirectConv.supports(g) == FP32DirectConv.isAvailable, "\(c)")
        guard FP32DirectConv.supports(g) else { return }
        var seed: UInt64 = 7
        let x = FP32ConvTests.random(c.batch * c.cin * g.inputVolume, seed: &seed)
        let w = FP32ConvTests.random(c.cout * g.patchSize, seed: &seed)
        let b = FP32ConvTests.random(c.cout, seed: &seed)
        var ref = [Float](repeating: 0, count: c.batch * c.cout * g.outputVolume)
        ConvReference.conv(g, x: x, weight: w, bias: b, y: &ref)
        let direct = FP32DirectConv(g, weight: w)
        for (threads, activation) in [(1, FP32Activation?.none), (3, .relu), (2, .elu(alpha: 0.7))] {
            var fast = [Float](repeating: .nan, count: ref.count)
            var scratch = [Float](repeating: .nan, count: FP32DirectConv.scratchFloats(g, threads: threads))
            scratch.withUnsafeMutableBufferPointer { s in
                direct.run(x: x, bias: b, y: &fast, activation: activation, scratch: s.baseAddress!, threads: threads)
            }
            var expected = ref
            activation?.apply(ref, &expected, count: ref.count)
            let err = zip(expected, fast).map { abs($0 - $1) }.max() ?? 0
            #expect(err < 1e-4, "\(c) threads \(threads) \(String(describing: activation)): max error \(err)")
        }
    }

    @Test func stridedGroupedAndPointwiseStayOnSgemm() {
        let strided = ConvGeometry(batch: 1, inChannels: 4, outChannels: 8, groups: 1, inputSpatial: [9, 9],
                                   kernel: [3, 3], stride: [2, 2], padsBegin: [1, 1], padsEnd: [1, 1], dilation: [1, 1])
        let grouped = ConvGeometry(batch: 1, inChannels: 4, outChannels: 8, groups: 2, inputSpatial: [9, 9],
                                   kernel: [3, 3], stride: [1, 1], padsBegin: [1, 1], padsEnd: [1, 1], dilation: [1, 1])
        let pointwise = ConvGeometry(batch: 1, inChannels: 4, outChannels: 8, groups: 1, inputSpatial: [9, 9],
                                     kernel: [1, 1], stride: [1, 1], padsBegin: [0, 0], padsEnd: [0, 0], dilation: [1, 1])
        #expect(!FP32DirectConv.supports(strided))
        #expect(!FP32DirectConv.supports(grouped))
        #expect(!FP32DirectConv.supports(pointwise))
    }
}
