import Kernels
import Testing
import TensorCore

/// The fast (im2col + sgemm) kernels against the direct reference twins on random shapes,
/// including odd sizes, strides, dilation, groups and asymmetric padding.
struct FP32ConvTests {
    struct Case: CustomStringConvertible, Sendable {
        var batch, cin, cout, groups: Int
        var input, kernel, stride, padsBegin, padsEnd, dilation: [Int]
        var description: String { "b\(batch) \(cin)->\(cout)/g\(groups) in\(input) k\(kernel) s\(stride) p\(padsBegin)-\(padsEnd) d\(dilation)" }
    }

    static let cases: [Case] = [
        Case(batch: 1, cin: 3, cout: 5, groups: 1, input: [5, 7, 9], kernel: [3, 3, 3], stride: [1, 1, 1],
             padsBegin: [1, 1, 1], padsEnd: [1, 1, 1], dilation: [1, 1, 1]),
        Case(batch: 2, cin: 4, cout: 6, groups: 2, input: [4, 9, 7], kernel: [1, 5, 5], stride: [1, 2, 2],
             padsBegin: [0, 2, 1], padsEnd: [0, 1, 2], dilation: [1, 1, 1]),
        Case(batch: 1, cin: 2, cout: 3, groups: 1, input: [6, 11, 10], kernel: [3, 2, 3], stride: [2, 1, 3],
             padsBegin: [1, 0, 2], padsEnd: [0, 1, 0], dilation: [1, 2, 2]),
        Case(batch: 2, cin: 3, cout: 4, groups: 1, input: [3, 5, 6], kernel: [1, 1, 1], stride: [1, 1, 1],
             padsBegin: [0, 0, 0], padsEnd: [0, 0, 0], dilation: [1, 1, 1]),
        Case(batch: 1, cin: 6, cout: 6, groups: 6, input: [13, 17], kernel: [3, 3], stride: [1, 1],
             padsBegin: [1, 1], padsEnd: [1, 1], dilation: [1, 1]),
        Case(batch: 3, cin: 2, cout: 4, groups: 1, input: [31], kernel: [5], stride: [2],
             padsBegin: [2], padsEnd: [1], dilation: [1]),
    ]

    static func random(_ n: Int, seed: inout UInt64) -> [Float] {
        (0..<n).map { _ in
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int64(bitPattern: seed >> 11) % 2000) / 1000 - 1
        }
    }

    @Test(arguments: cases)
    func convMatchesReference(_ c: Case) {
        let g = ConvGeometry(batch: c.batch, inChannels: c.cin, outChannels: c.cout, groups: c.groups,
                             inputSpatial: c.input, kernel: c.kernel, stride: c.stride, padsBegin: c.padsBegin,
                             padsEnd: c.padsEnd, dilation: c.dilation)
        var seed: UInt64 = 42
        let x = Self.random(c.batch * c.cin * g.inputVolume, seed: &seed)
        let w = Self.random(c.cout * g.patchSize, seed: &seed)
        let b = Self.random(c.cout, seed: &seed)
        var ref = [Float](repeating: 0, count: c.batch * c.cout * g.outputVolume)
        var fast = ref
        for threads in [1, 3] {
            var scratch = [Float](repeating: .nan, count: max(1, threads * FP32Conv.scratchFloats(g)))
            ConvReference.conv(g, x: x, weight: w, bias: b, y: &ref)
            scratch.withUnsafeMutableBufferPointer { s in
                FP32Conv.conv(g, x: x, weight: w, bias: b, y: &fast, scratch: s.baseAddress, threads: threads)
            }
            let err = zip(ref, fast).map { abs($0 - $1) }.max() ?? 0
            #expect(err < 1e-4, "\(c) threads \(threads): max error \(err)")
        }
    }

    @Test(arguments: cases.filter { $0.groups == 1 || $0.cin % $0.groups == 0 })
    func convTransposeMatchesReference(_ c: Case) {
        // The forward geometry whose transpose we compute: transposed output = g.input.
        let g = ConvGeometry(batch: c.batch, inChannels: c.cin, outChannels: c.cout, groups: c.groups,
                             inputSpatial: c.input, kernel: c.kernel, stride: c.stride, padsBegin: c.padsBegin,
                             padsEnd: c.padsEnd, dilation: c.dilation)
        var seed: UInt64 = 7
        let x = Self.random(c.batch * c.cout * g.outputVolume, seed: &seed)
        let w = Self.random(c.cout * g.patchSize, seed: &seed)
        let b = Self.random(c.cin, seed: &seed)
        var ref = [Float](repeating: 0, count: c.batch * c.cin * g.inputVolume)
        var fast = ref
        var scratch = [Float](repeating: .nan, count: 2 * FP32Conv.transposeScratchFloats(g))
        ConvReference.convTranspose(g, x: x, weight: w, bias: b, y: &ref)
        scratch.withUnsafeMutableBufferPointer { s in
            FP32Conv.convTranspose(g, x: x, weight: w, bias: b, y: &fast, scratch: s.baseAddress!, threads: 2)
        }
        let err = zip(ref, fast).map { abs($0 - $1) }.max() ?? 0
        #expect(err < 1e-4, "\(c): max error \(err)")
    }
}
