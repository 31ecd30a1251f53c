import Int8Runtime
import Testing

/// The device runtime's gather op (Transpose, Slice): a one-op plan transposes like the host's
/// strided gather, and a record reading outside its input is refused before anything runs.
@Suite struct DeviceGatherTests {
    /// A plan holding one gather: input `[2, 3, 4]` at offset 0, output at 32, transposed by `perm`.
    static func plan(perm: [Int], offsetOverride: Int32? = nil) -> (words: [Int32], outputShape: [Int]) {
        let input = [2, 3, 4]
        let contiguous = [12, 4, 1]
        let shape = perm.map { input[$0] }, strides = perm.map { contiguous[$0] }
        let pad = Int8Gather.rank - shape.count
        let payload: [Int32] = [0, 32, 24, offsetOverride ?? 0]
            + ([Int](repeating: 1, count: pad) + shape).map(Int32.init) + ([Int](repeating: 0, count: pad) + strides).map(Int32.init)
        let record: [Int32] = [Int8PlanOpcode.gather.rawValue, Int32(payload.count + 2)] + payload
        var header = [Int32](repeating: 0, count: Int8PlanFormat.headerWords)
        func set(_ f: Int8PlanFormat.Header, _ v: Int32) { header[f.rawValue] = v }
        set(.magic, Int8PlanFormat.magic)
        set(.version, Int8PlanFormat.version)
        set(.totalWords, Int32(Int8PlanFormat.headerWords + record.count))
        set(.opCount, 1)
        set(.arenaBytes, 64)
        set(.inputBytes, 24)
        set(.outputOffset, 32)
        set(.outputBytes, 24)
        return (header + record, shape)
    }

    static func run(_ words: [Int32], input: [Int8]) -> (status: Int32, output: [Int8]) {
        var arena = [UInt8](repeating: 0, count: 64)
        var out = [Int8](repeating: 0, count: 24)
        let status = words.withUnsafeBufferPointer { w in
            arena.withUnsafeMutableBytes { Int8PlanRunner.run(plan: w.baseAddress!, input: input, output: &out, arena: $0.baseAddress!, profile: nil) }
        }
        return (status, out)
    }

    @Test(arguments: [[2, 0, 1], [1, 2, 0], [0, 2, 1], [0, 1, 2]])
    func transposeEqualsTheHostGather(perm: [Int]) {
        let input = (0..<24).map { Int8($0 * 5 - 60) }
        let (words, shape) = Self.plan(perm: perm)
        let (status, device) = Self.run(words, input: input)
        #expect(status == Int8PlanStatus.ok.rawValue)
        // Output (i, j, k) in row-major order reads the input at coordinates permuted back.
        let strides = perm.map { [12, 4, 1][$0] }
        var expected: [Int8] = []
        for i in 0..<shape[0] { for j in 0..<shape[1] { for k in 0..<shape[2] {
            expected.append(input[i * strides[0] + j * strides[1] + k * strides[2]])
        } } }
        #expect(device == expected)
        // Element (i, j, k) of the output is input[index of the permuted coordinates].
        #expect(perm != [2, 0, 1] || device[1] == input[4])  // output (0,0,1) = input (0,1,0)
    }

    @Test func aGatherReadingOutsideItsInputIsRefused() {
        let input = [Int8](repeating: 1, count: 24)
        #expect(Self.run(Self.plan(perm: [2, 0, 1], offsetOverride: 1).words, input: input).status == Int8PlanStatus.outOfArena.rawValue)
        #expect(Self.run(Self.plan(perm: [2, 0, 1], offsetOverride: -1).words, input: input).status == Int8PlanStatus.outOfArena.rawValue)
        var words = Self.plan(perm: [2, 0, 1]).words
        words[Int8PlanFormat.headerWords + 1] -= 1
        #expect(Self.run(words, input: input).status == Int8PlanStatus.truncated.rawValue)
    }
}
