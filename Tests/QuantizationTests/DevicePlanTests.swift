import Int8Runtime
import Kernels
import NN
import Quantization
import TensorCore
import Testing

/// The device runtime (Int8Runtime's plan interpreter and SMLAD convolution) run on the host:
/// bit-exact with the host engine and the reference convolution, and refusing what it cannot run.
@Suite("Device plan on the host")
struct DevicePlanTests {
    @Test func tinyGraphPlanIsBitExactWithTheHostEngine() throws {
        for seed: UInt64 in [3, 4] {
            let (b, input) = Int8ExecutorTests.tinyGraph(seed: seed)
            let exec = try Int8Executor(graph: b.graph, threads: 1)
            let plan = try DevicePlan(exec)
            #expect(plan.ops.map(\.kind) == ["conv", "average pool", "conv", "max pool", "mean", "conv"])
            #expect(plan.arenaBytes < plan.unsharedBytes, "buffers with disjoint lifetimes should share bytes")
            let host = try #require(try exec.runQuantized(["input": input])["output"])
            #expect(plan.outputScale == host.scale && plan.outputZeroPoint == host.zeroPoint)
            var arena: [UInt8] = []
            let device = try plan.run(plan.quantize(input), arena: &arena)
            #expect(device == host.values.scalars(as: Int8.self), "seed \(seed)")
            #expect(Set(device).count > 2, "output should not be constant")
            // A second clip through the same arena (stale bytes from the first must not matter).
            let other = Tensor(shape: input.shape, scalars: input.floatValues().map { -$0 * 0.7 })
            let host2 = try #require(try exec.runQuantized(["input": other])["output"])
            #expect(try plan.run(plan.quantize(other), arena: &arena) == host2.values.scalars(as: Int8.self))
        }
    }

    @Test func deviceConvolutionEqualsTheReference() {
        var rng = SplitMix(seed: 11)
        // (cin, cout, groups, input, kernel, stride, pads, dilation): odd channels, positions and
        // reductions, groups, strides, dilation and padding, 1-D to 3-D.
        let cases: [(Int, Int, Int, [Int], [Int], [Int], [Int], [Int])] = [
            (3, 8, 1, [4, 9, 9], [1, 5, 5], [1, 1, 1], [0, 2, 2], [1, 1, 1]),
            (5, 7, 1, [5, 6, 7], [3, 3, 3], [1, 1, 1], [1, 1, 1], [1, 1, 1]),
            (6, 9, 3, [3, 8, 8], [1, 3, 3], [1, 2, 2], [0, 1, 1], [1, 1, 1]),
            (4, 4, 4, [9, 5], [3, 3], [2, 1], [1, 1], [1, 2]),
            (3, 5, 1, [17], [5], [2], [2], [2]),
            (32, 1, 1, [4, 1, 1], [1, 1, 1], [1, 1, 1], [0, 0, 0], [1, 1, 1]),
        ]
        for (cin, cout, groups, input, kernel, stride, pads, dilation) in cases {
            let s = Int8ConvShape(batch: 2, inChannels: cin, outChannels: cout, input: input, kernel: kernel, stride: stride,
                                  padsBegin: pads, dilation: dilation, groups: groups)
            let x = (0..<(s.batch * cin * s.inputPositions)).map { _ in Int8(truncatingIfNeeded: rng.next()) }
            let w = (0..<(cout * s.reduction)).map { _ in Int8(truncatingIfNeeded: rng.next()) }
            let bias = (0..<cout).map { _ in Int32(truncatingIfNeeded: rng.next() % 20001) - 10000 }
            let xzp: Int32 = -17, yzp: Int32 = 9
            let rq = Int8Requantization(inputScale: 0.02, weightScales: (0..<cout).map { 0.001 + Float($0) * 0.0003 }, outputScale: 0.05,
                                        outputZeroPoint: yzp, channels: cout, bias: bias, fusedReLU: cout % 2 == 1)
            var expected = [Int8](repeating: 0, count: s.batch * cout * s.outputPositions)
            x.withUnsafeBufferPointer { xp in
                Int8ConvolutionReference.accumulate(shape: s, weights: w, input: xp.baseAddress!, xZeroPoint: xzp) { c, offset, row, n in
                    for j in 0..<n { expected[offset + j] = rq.apply(row[j], channel: c) }
                }
            }
            let g = Int8DeviceConv.Geometry(batch: s.batch, inChannels: cin, outChannels: cout, groups: groups,
                                            input: (s.input[0], s.input[1], s.input[2]), kernel: (s.kernel[0], s.kernel[1], s.kernel[2]),
                                            stride: (s.stride[0], s.stride[1], s.stride[2]),
                                            padsBegin: (s.padsBegin[0], s.padsBegin[1], s.padsBegin[2]),
                                            dilation: (s.dilation[0], s.dilation[1], s.dilation[2]),
                                            output: (s.output[0], s.output[1], s.output[2]))
            var packed = [UInt32](repeating: 0, count: g.packedWeightWords)
            var columns = [UInt32](repeating: 0xDEAD_BEEF, count: g.scratchBytes / 4)
            var got = [Int8](repeating: 0, count: expected.count)
            w.withUnsafeBufferPointer { Int8DeviceConv.packWeights($0.baseAddress!, geometry: g, into: &packed) }
            rq.multipliers.withUnsafeBufferPointer { m in
                rq.bias.withUnsafeBufferPointer { bp in
                    let r = Int8DeviceConv.Requantization(multipliers: m.baseAddress!, bias: bp.baseAddress!, zeroPoint: yzp,
                                                          lower: rq.lower, upper: rq.upper)
                    Int8DeviceConv.run(g, input: x, xZeroPoint: xzp, weights: packed, requantization: r, output: &got, columns: &columns)
                }
            }
            #expect(got == expected, "conv \(cin)→\(cout) groups \(groups) input \(input) kernel \(kernel)")
        }
    }

    @Test func aModelWithFloatFallbacksIsRefusedNamingTheNodes() throws {
        let (b, _) = Int8ExecutorTests.tinyGraph(seed: 5, elu: true)
        let exec = try Int8Executor(graph: b.graph, threads: 1)
        let error = #expect(throws: Int8ExecutorError.self) { try DevicePlan(exec) }
        let message = "\(error.map { $0 as Any } ?? "")"
        #expect(message.contains("block2_elu") && message.contains("float fallback"), "\(message)")
    }

    @Test func corruptPlansAreRefusedBeforeAnythingRuns() throws {
        let (b, input) = Int8ExecutorTests.tinyGraph(seed: 3)
        let plan = try DevicePlan(try Int8Executor(graph: b.graph, threads: 1))
        let clip = plan.quantize(input)
        func status(_ words: [Int32]) -> Int32 {
            var arena = [UInt8](repeating: 0, count: plan.arenaBytes)
            var out = [Int8](repeating: 0, count: plan.outputBytes)
            return words.withUnsafeBufferPointer { w in
                arena.withUnsafeMutableBytes { Int8PlanRunner.run(plan: w.baseAddress!, input: clip, output: &out, arena: $0.baseAddress!, profile: nil) }
            }
        }
        #expect(status(plan.words) == Int8PlanStatus.ok.rawValue)
        var words = plan.words
        words[0] = 0
        #expect(status(words) == Int8PlanStatus.badMagic.rawValue)
        words = plan.words
        words[Int8PlanFormat.Header.totalWords.rawValue] -= 1
        #expect(status(words) == Int8PlanStatus.truncated.rawValue)
        words = plan.words
        words[Int8PlanFormat.headerWords] = 99
        #expect(status(words) == Int8PlanStatus.unknownOpcode.rawValue)
        // The first conv's output offset beyond the arena.
        words = plan.words
        words[Int8PlanFormat.headerWords + 3] = Int32(plan.arenaBytes)
        #expect(status(words) == Int8PlanStatus.outOfArena.rawValue)
        // A geometry field far out of range must be refused, not overflow.
        words = plan.words
        words[Int8PlanFormat.headerWords + 6 + 4] = Int32.max
        #expect(status(words) == Int8PlanStatus.truncated.rawValue)
    }
}
