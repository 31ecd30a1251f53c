import Int8Runtime
import TensorCore

/// A QDQ model compiled for the device runtime: the ``Int8PlanFormat`` words a firmware keeps in
/// flash, with every tensor at a fixed offset of one arena (buffers whose lifetimes do not overlap
/// share bytes). Built from the very ops the host ``Int8Executor`` runs, so that host and device
/// compute the same int8 values; ``run(_:arena:)`` executes it on the host through the same
/// `Int8PlanRunner` the firmware calls.
public struct DevicePlan {
    /// One op of the plan, for per-layer reports.
    public struct Op: Equatable {
        public var label: String
        public var kind: String
        /// Multiply-accumulates (convolutions; 0 elsewhere).
        public var macs: Int
    }

    public let words: [Int32]
    public let ops: [Op]
    public let arenaBytes: Int
    /// What the arena would need without buffer reuse (every tensor and scratch its own bytes).
    public let unsharedBytes: Int
    public let inputShape: [Int], inputScale: Float, inputZeroPoint: Int32, inputOffset: Int
    public let outputShape: [Int], outputScale: Float, outputZeroPoint: Int32, outputOffset: Int

    public var inputBytes: Int { inputShape.reduce(1, *) }
    public var outputBytes: Int { outputShape.reduce(1, *) }
    /// Bytes of the plan in flash (weights, biases, multipliers, tables, geometry).
    public var planBytes: Int { words.count * 4 }
    public var macs: Int { ops.reduce(0) { $0 + $1.macs } }

    /// Compiles the executor's int8 program; throws naming every node the device cannot run.
    public init(_ executor: Int8Executor) throws {
        let program = executor.device
        guard program.blockers.isEmpty else {
            throw Int8ExecutorError("the model cannot run on the device runtime:\n" + program.blockers.map { "  - " + $0 }.joined(separator: "\n")
                                    + "\nEvery node must lower to an int8 kernel (conv, pool, mean over trailing axes, table activation, gather).")
        }
        guard let input = program.input, let output = program.output else {
            throw Int8ExecutorError("the device runtime needs one float graph input that is quantized first and one int8 (dequantized) output")
        }
        guard !program.steps.isEmpty else { throw Int8ExecutorError("the model has no int8 ops to run on the device") }

        // Lifetimes: a buffer lives from the step that writes it (the input from before step 0) to
        // the last step that reads it (the output to the end); each step's scratch only during it.
        let arena = executor.arena
        let steps = program.steps
        var first: [Int: Int] = [input.buffer: -1], last: [Int: Int] = [input.buffer: -1]
        for (i, s) in steps.enumerated() {
            first[s.output] = first[s.output] ?? i
            last[s.output] = max(last[s.output] ?? i, i)
            last[s.input] = max(last[s.input] ?? i, i)
        }
        last[output.buffer] = steps.count
        let buffers = first.keys.sorted()
        var intervals = buffers.map { ArenaPacking.Interval(first: first[$0]!, last: last[$0]!, bytes: arena.byteCounts[$0]) }
        let scratchIndex = steps.indices.map { i -> Int? in
            let bytes = Self.scratchBytes(steps[i].op)
            guard bytes > 0 else { return nil }
            intervals.append(ArenaPacking.Interval(first: i, last: i, bytes: bytes))
            return intervals.count - 1
        }
        let offsets = ArenaPacking.firstFit(intervals)
        let offsetOf = Dictionary(uniqueKeysWithValues: zip(buffers, offsets))
        arenaBytes = ArenaPacking.aligned(ArenaPacking.span(intervals, offsets: offsets), 16)
        unsharedBytes = intervals.reduce(0) { $0 + ArenaPacking.aligned($1.bytes, 16) }

        var body: [Int32] = []
        var ops: [Op] = []
        for (i, s) in steps.enumerated() {
            let scratch = scratchIndex[i].map { offsets[$0] } ?? 0
            let (record, kind, macs) = Self.record(s.op, x: offsetOf[s.input]!, y: offsetOf[s.output]!, scratch: scratch)
            body += record
            ops.append(Op(label: s.label, kind: kind, macs: macs))
        }
        var header = [Int32](repeating: 0, count: Int8PlanFormat.headerWords)
        func set(_ f: Int8PlanFormat.Header, _ v: Int32) { header[f.rawValue] = v }
        set(.magic, Int8PlanFormat.magic)
        set(.version, Int8PlanFormat.version)
        set(.totalWords, Int32(Int8PlanFormat.headerWords + body.count))
        set(.opCount, Int32(steps.count))
        set(.arenaBytes, Int32(arenaBytes))
        set(.inputOffset, Int32(offsetOf[input.buffer]!))
        set(.inputBytes, Int32(input.shape.reduce(1, *)))
        set(.outputOffset, Int32(offsetOf[output.buffer]!))
        set(.outputBytes, Int32(output.shape.reduce(1, *)))
        set(.inputScale, Self.bits(input.scale))
        set(.inputZeroPoint, input.zeroPoint)
        set(.outputScale, Self.bits(output.scale))
        set(.outputZeroPoint, output.zeroPoint)
        words = header + body
        self.ops = ops
        (inputShape, inputScale, inputZeroPoint, inputOffset) = (input.shape, input.scale, input.zeroPoint, offsetOf[input.buffer]!)
        (outputShape, outputScale, outputZeroPoint, outputOffset) = (output.shape, output.scale, output.zeroPoint, offsetOf[output.buffer]!)
    }

    /// Quantizes a float clip as the host engine's first QuantizeLinear does (NaN is refused by the caller).
    public func quantize(_ clip: Tensor) -> [Int8] {
        clip.toFloat32().floatValues().map { Int8Math.quantize($0, scale: inputScale, zeroPoint: inputZeroPoint) }
    }

    /// Runs the plan on the host on one quantized clip; `arena` is reused if large enough.
    public func run(_ input: [Int8], arena: inout [UInt8]) throws -> [Int8] {
        guard input.count == inputBytes else {
            throw Int8ExecutorError("device plan input has \(input.count) values, the model takes \(inputBytes) (shape \(inputShape))")
        }
        if arena.count < arenaBytes + 16 { arena = [UInt8](repeating: 0, count: arenaBytes + 16) }
        var output = [Int8](repeating: 0, count: outputBytes)
        let status = words.withUnsafeBufferPointer { plan in
            input.withUnsafeBufferPointer { x in
                output.withUnsafeMutableBufferPointer { y in
                    arena.withUnsafeMutableBytes { a -> Int32 in
                        // 16-byte alignment as a firmware's arena section has it.
                        let base = a.baseAddress!
                        let aligned = base + (16 - Int(bitPattern: base) % 16) % 16
                        return Int8PlanRunner.run(plan: plan.baseAddress!, input: x.baseAddress!, output: y.baseAddress!,
                                                  arena: aligned, profile: nil)
                    }
                }
            }
        }
        guard status == Int8PlanStatus.ok.rawValue else { throw Int8ExecutorError("device plan refused by the runtime (status \(status))") }
        return output
    }

    static func bits(_ v: Float) -> Int32 { Int32(bitPattern: v.bitPattern) }

    static func scratchBytes(_ op: DeviceProgram.Op) -> Int {
        switch op {
        case .conv(let g, _, _, _, _, _, _, _): return g.scratchBytes
        case .maxPool(let g, _): return g.windowsInside ? g.rowSpan : 0
        case .averagePool(let g, _, _, _, _, _): return g.windowsInside ? g.rowSpan * 4 : 0
        case .meanTrailing, .lookup, .gather: return 0
        }
    }

    /// One op's record words (``Int8PlanOpcode`` layouts), its kind and MACs.
    static func record(_ op: DeviceProgram.Op, x: Int, y: Int, scratch: Int) -> ([Int32], String, Int) {
        func i(_ v: Int) -> Int32 { Int32(v) }
        func pool(_ g: Int8PoolGeometry) -> [Int32] {
            [g.channels, g.id, g.ih, g.iw, g.kd, g.kh, g.kw, g.sd, g.sh, g.sw, g.pd, g.ph, g.pw, g.od, g.oh, g.ow].map(i)
        }
        func framed(_ code: Int8PlanOpcode, _ payload: [Int32]) -> [Int32] { [code.rawValue, i(payload.count + 2)] + payload }
        switch op {
        case let .conv(g, xzp, weights, multipliers, bias, zp, lower, upper):
            var packed = [UInt32](repeating: 0, count: g.packedWeightWords)
            weights.withUnsafeBufferPointer { w in
                packed.withUnsafeMutableBufferPointer { Int8DeviceConv.packWeights(w.baseAddress!, geometry: g, into: $0.baseAddress!) }
            }
            let geometry = [g.batch, g.inChannels, g.outChannels, g.groups, g.id, g.ih, g.iw, g.kd, g.kh, g.kw, g.sd, g.sh, g.sw,
                            g.pd, g.ph, g.pw, g.dd, g.dh, g.dw, g.od, g.oh, g.ow].map(i)
            let payload = [i(x), i(y), i(scratch), xzp] + geometry + [zp, lower, upper, i(packed.count)]
                + multipliers.map(bits) + bias + packed.map { Int32(bitPattern: $0) }
            return (framed(.conv, payload), "conv", g.macs)
        case let .maxPool(g, rescale):
            let q: [Int32] = rescale.map { [1, bits($0.xScale), $0.xZeroPoint, bits($0.yScale), $0.yZeroPoint] } ?? [0, 0, 0, 0, 0]
            return (framed(.maxPool, [i(x), i(y), i(scratch)] + pool(g) + q), "max pool", 0)
        case let .averagePool(g, includePad, xs, xzp, ys, yzp):
            return (framed(.averagePool, [i(x), i(y), i(scratch)] + pool(g) + [includePad ? 1 : 0, bits(xs), xzp, bits(ys), yzp]),
                    "average pool", 0)
        case let .meanTrailing(outputs, count, xs, xzp, ys, yzp):
            return (framed(.meanTrailing, [i(x), i(y), i(outputs), i(count), bits(xs), xzp, bits(ys), yzp]), "mean", 0)
        case let .lookup(count, table):
            let packed = stride(from: 0, to: 256, by: 4).map { j in
                Int32(bitPattern: (0..<4).reduce(UInt32(0)) { $0 | UInt32(UInt8(bitPattern: table[j + $1])) << (8 * UInt32($1)) })
            }
            return (framed(.lookup, [i(x), i(y), i(count)] + packed), "lookup", 0)
        case let .gather(inputBytes, offset, shape, strides):
            // Leading axes of size 1 (stride 0) pad the record to Int8Gather.rank axes.
            let pad = Int8Gather.rank - shape.count
            let axes = [Int](repeating: 1, count: pad) + shape, steps = [Int](repeating: 0, count: pad) + strides
            return (framed(.gather, [i(x), i(y), i(inputBytes), i(offset)] + axes.map(i) + steps.map(i)), "gather", 0)
        }
    }
}
