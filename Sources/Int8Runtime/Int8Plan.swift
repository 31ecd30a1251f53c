/// A compiled int8 model as one array of 32-bit words, the form a firmware keeps in flash
/// (`const int32_t rppg_model_plan[]`) and ``Int8PlanRunner`` executes without allocating:
/// every tensor lives at a fixed byte offset of one caller-provided arena.
///
/// Layout (all little-endian 32-bit words; floats as their bit patterns):
/// - header, ``Int8PlanFormat/headerWords`` words: magic, version, total words, op count, arena
///   bytes, input offset and bytes, output offset and bytes, input scale and zero point, output
///   scale and zero point, 3 reserved;
/// - one record per op: `opcode, record words, payload…` (see ``Int8PlanOpcode`` for each payload).
/// The host side (Quantization's `DevicePlan`) writes it; ``Int8PlanRunner/validate(_:arenaBytes:)``
/// checks every record against the arena before anything runs.
public enum Int8PlanFormat {
    public static let magic: Int32 = 0x4750_5052 // "RPPG"
    public static let version: Int32 = 1
    public static let headerWords = 16

    public enum Header: Int {
        case magic = 0, version, totalWords, opCount, arenaBytes, inputOffset, inputBytes, outputOffset, outputBytes
        case inputScale, inputZeroPoint, outputScale, outputZeroPoint
    }

    /// Words of a conv geometry, a pool geometry, a lookup table.
    public static let convGeometryWords = 22
    public static let poolGeometryWords = 16
    public static let tableWords = 64
}

/// Record payloads, after `opcode, words`:
public enum Int8PlanOpcode: Int32 {
    /// x, y, scratch offsets; x zero point; conv geometry; y zero point, lower, upper; packed
    /// weight words W; then `cout` multipliers, `cout` biases, W weight words.
    case conv = 1
    /// x, y, scratch; pool geometry; rescale flag, x scale, x zero point, y scale, y zero point.
    case maxPool = 2
    /// x, y, scratch; pool geometry; count-include-pad flag, x scale, x zero point, y scale, y zero point.
    case averagePool = 3
    /// x, y; outputs, count; x scale, x zero point, y scale, y zero point.
    case meanTrailing = 4
    /// x, y; count; 256-entry table (64 words).
    case lookup = 5
    /// x, y; input bytes, offset; output shape and input strides, ``Int8Gather/rank`` words each
    /// (Transpose, Slice).
    case gather = 6
}

/// Why a plan was refused (negative return codes of `rppg_runtime_run`).
public enum Int8PlanStatus: Int32 {
    case ok = 0
    case badMagic = -1
    case badVersion = -2
    case truncated = -3
    case unknownOpcode = -4
    case outOfArena = -5
    case misaligned = -6
}

/// Runs an ``Int8PlanFormat`` plan.
public enum Int8PlanRunner {
    /// Runs `plan` on the quantized `input` (`inputBytes` int8 values), writes the quantized
    /// output to `output`, using `arena` (`arenaBytes`, 16-byte aligned) for every tensor.
    /// `input` may point at `arena + inputOffset` (the clip was read in place); otherwise it is copied there.
    /// `profile(i)` is called before op i and `profile(opCount)` after the last.
    public static func run(plan: UnsafePointer<Int32>, input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>,
                           arena: UnsafeMutableRawPointer, profile: (@convention(c) (Int32) -> Void)?) -> Int32 {
        let arenaBytes = Int(plan[Int8PlanFormat.Header.arenaBytes.rawValue])
        let status = validate(plan, arenaBytes: arenaBytes)
        guard status == .ok else { return status.rawValue }
        let h = { (f: Int8PlanFormat.Header) in Int(plan[f.rawValue]) }
        let inputArea = arena + h(.inputOffset)
        if UnsafeRawPointer(input) != UnsafeRawPointer(inputArea) {
            inputArea.copyMemory(from: input, byteCount: h(.inputBytes))
        }
        var cursor = Int8PlanFormat.headerWords
        let ops = h(.opCount)
        for i in 0..<ops {
            profile?(Int32(i))
            execute(plan + cursor, arena: arena)
            cursor += Int(plan[cursor + 1])
        }
        profile?(Int32(ops))
        output.update(from: (arena + h(.outputOffset)).assumingMemoryBound(to: Int8.self), count: h(.outputBytes))
        return Int8PlanStatus.ok.rawValue
    }

    /// Checks the header and that every record is complete, known, and reads and writes inside
    /// an arena of `arenaBytes` with its scratch 4-byte aligned.
    public static func validate(_ plan: UnsafePointer<Int32>, arenaBytes: Int) -> Int8PlanStatus {
        guard plan[0] == Int8PlanFormat.magic else { return .badMagic }
        guard plan[1] == Int8PlanFormat.version else { return .badVersion }
        let total = Int(plan[Int8PlanFormat.Header.totalWords.rawValue])
        let h = { (f: Int8PlanFormat.Header) in Int(plan[f.rawValue]) }
        guard total >= Int8PlanFormat.headerWords else { return .truncated }
        func inArena(_ offset: Int, _ bytes: Int) -> Bool { offset >= 0 && bytes >= 0 && offset <= arenaBytes - bytes }
        guard inArena(h(.inputOffset), h(.inputBytes)), inArena(h(.outputOffset), h(.outputBytes)) else { return .outOfArena }
        var cursor = Int8PlanFormat.headerWords
        for _ in 0..<h(.opCount) {
            guard cursor + 2 <= total else { return .truncated }
            let words = Int(plan[cursor + 1])
            guard words >= 2, cursor + words <= total else { return .truncated }
            let r = plan + cursor
            guard let op = Int8PlanOpcode(rawValue: r[0]) else { return .unknownOpcode }
            let status = check(op, r, words: words, inArena: inArena)
            guard status == .ok else { return status }
            cursor += words
        }
        return .ok
    }

    static func check(_ op: Int8PlanOpcode, _ r: UnsafePointer<Int32>, words: Int, inArena: (Int, Int) -> Bool) -> Int8PlanStatus {
        let x = Int(r[2]), y = Int(r[3])
        switch op {
        case .conv:
            let fixed = 6 + Int8PlanFormat.convGeometryWords + 4
            guard words >= fixed else { return .truncated }
            guard fieldsInRange(r + 6, Int8PlanFormat.convGeometryWords) else { return .truncated }
            let g = convGeometry(r + 6)
            guard g.batch > 0, g.groups > 0, g.inChannels % g.groups == 0, g.outChannels % g.groups == 0,
                  positive(g.kd, g.kh, g.kw, g.sd, g.sh, g.sw), positive(g.dd, g.dh, g.dw, g.od, g.oh, g.ow),
                  positive(g.inChannels, g.outChannels, g.id, g.ih, g.iw, 1) else { return .truncated }
            // Sizes that overflow saturate and so fail the arena checks.
            let inputBytes = product(product(g.batch, g.inChannels), product(product(g.id, g.ih), g.iw))
            let outputBytes = product(product(g.batch, g.outChannels), product(product(g.od, g.oh), g.ow))
            let reduction = product(g.inChannels / g.groups, product(product(g.kd, g.kh), g.kw))
            guard reduction < 1 << 20, g.outChannels < 1 << 16 else { return .outOfArena }
            let weightWords = Int(r[fixed - 1])
            guard weightWords == g.packedWeightWords, words == fixed + 2 * g.outChannels + weightWords else { return .truncated }
            guard Int(r[4]) % 4 == 0 else { return .misaligned }
            return inArena(x, inputBytes) && inArena(y, outputBytes) && inArena(Int(r[4]), g.scratchBytes) ? .ok : .outOfArena
        case .maxPool, .averagePool:
            guard words == 5 + Int8PlanFormat.poolGeometryWords + 5 else { return .truncated }
            guard fieldsInRange(r + 5, Int8PlanFormat.poolGeometryWords) else { return .truncated }
            let g = poolGeometry(r + 5)
            guard g.channels > 0, positive(g.kd, g.kh, g.kw, g.sd, g.sh, g.sw), positive(g.od, g.oh, g.ow, g.id, g.ih, g.iw) else {
                return .truncated
            }
            guard Int(r[4]) % 4 == 0 else { return .misaligned }
            let inputBytes = product(g.channels, product(product(g.id, g.ih), g.iw))
            let outputBytes = product(g.channels, product(product(g.od, g.oh), g.ow))
            let scratch = product(g.rowSpan, op == .averagePool ? 4 : 1)
            return inArena(x, inputBytes) && inArena(y, outputBytes) && inArena(Int(r[4]), scratch) ? .ok : .outOfArena
        case .meanTrailing:
            guard words == 10 else { return .truncated }
            let outputs = Int(r[4]), count = Int(r[5])
            guard outputs > 0, count > 0 else { return .truncated }
            return inArena(x, product(outputs, count)) && inArena(y, outputs) ? .ok : .outOfArena
        case .lookup:
            guard words == 5 + Int8PlanFormat.tableWords else { return .truncated }
            let count = Int(r[4])
            return inArena(x, count) && inArena(y, count) ? .ok : .outOfArena
        case .gather:
            guard words == 6 + 2 * Int8Gather.rank else { return .truncated }
            guard fieldsInRange(r + 6, Int8Gather.rank) else { return .truncated }
            let inputBytes = Int(r[4])
            guard let span = Int8Gather.inputSpan(offset: Int(r[5]), shape: r + 6, strides: r + 6 + Int8Gather.rank),
                  span.low >= 0, span.high < inputBytes else { return .outOfArena }
            var count = 1
            for k in 0..<Int8Gather.rank { count = product(count, Int(r[6 + k])) }
            return inArena(x, inputBytes) && inArena(y, count) ? .ok : .outOfArena
        }
    }

    @inline(__always) static func positive(_ a: Int, _ b: Int, _ c: Int, _ d: Int, _ e: Int, _ f: Int) -> Bool {
        a > 0 && b > 0 && c > 0 && d > 0 && e > 0 && f > 0
    }

    /// `a · b`, saturating at `Int.max` (a corrupt plan must fail the arena checks, not trap).
    @inline(__always) static func product(_ a: Int, _ b: Int) -> Int {
        let (v, overflow) = a.multipliedReportingOverflow(by: b)
        return overflow ? Int.max : v
    }

    /// Whether `count` geometry words are all in 0…32767: the kernels only ever read taps inside
    /// the input (padding and partial windows are bounds-checked), so plausible sizes are what
    /// remains to check; this also keeps their index arithmetic (products of two fields) from overflowing on 32-bit targets.
    static func fieldsInRange(_ w: UnsafePointer<Int32>, _ count: Int) -> Bool {
        for i in 0..<count where w[i] < 0 || w[i] > 32767 { return false }
        return true
    }

    static func execute(_ r: UnsafePointer<Int32>, arena: UnsafeMutableRawPointer) {
        let x = UnsafePointer((arena + Int(r[2])).assumingMemoryBound(to: Int8.self))
        let y = (arena + Int(r[3])).assumingMemoryBound(to: Int8.self)
        switch Int8PlanOpcode(rawValue: r[0])! {
        case .conv:
            let g = convGeometry(r + 6)
            let tail = 6 + Int8PlanFormat.convGeometryWords
            let cout = g.outChannels
            let multipliers = UnsafeRawPointer(r + tail + 4).assumingMemoryBound(to: Float.self)
            let rq = Int8DeviceConv.Requantization(multipliers: multipliers, bias: r + tail + 4 + cout, zeroPoint: r[tail],
                                                   lower: r[tail + 1], upper: r[tail + 2])
            let weights = UnsafeRawPointer(r + tail + 4 + 2 * cout).assumingMemoryBound(to: UInt32.self)
            Int8DeviceConv.run(g, input: x, xZeroPoint: r[5], weights: weights, requantization: rq, output: y,
                               columns: (arena + Int(r[4])).assumingMemoryBound(to: UInt32.self))
        case .maxPool:
            let g = poolGeometry(r + 5), q = r + 5 + Int8PlanFormat.poolGeometryWords
            let rescale = q[0] != 0 ? Int8Pool.Rescale(xScale: float(q[1]), xZeroPoint: q[2], yScale: float(q[3]), yZeroPoint: q[4]) : nil
            Int8Pool.max(g, input: x, output: y, rescale: rescale, scratch: (arena + Int(r[4])).assumingMemoryBound(to: Int8.self))
        case .averagePool:
            let g = poolGeometry(r + 5), q = r + 5 + Int8PlanFormat.poolGeometryWords
            Int8Pool.average(g, countIncludePad: q[0] != 0, input: x, xScale: float(q[1]), xZeroPoint: q[2], yScale: float(q[3]),
                             yZeroPoint: q[4], output: y, scratch: (arena + Int(r[4])).assumingMemoryBound(to: Int32.self))
        case .meanTrailing:
            Int8Pool.meanTrailing(outputs: Int(r[4]), count: Int(r[5]), input: x, xScale: float(r[6]), xZeroPoint: r[7],
                                  yScale: float(r[8]), yZeroPoint: r[9], output: y)
        case .lookup:
            Int8Lookup.apply(table: UnsafeRawPointer(r + 5).assumingMemoryBound(to: Int8.self), input: x, output: y, count: Int(r[4]))
        case .gather:
            Int8Gather.run(input: x, offset: Int(r[5]), shape: r + 6, strides: r + 6 + Int8Gather.rank, output: y)
        }
    }

    @inline(__always) static func float(_ w: Int32) -> Float { Float(bitPattern: UInt32(bitPattern: w)) }

    /// Reads the 22 conv geometry words: batch, cin, cout, groups, input d h w, kernel, stride, pads, dilation, output.
    static func convGeometry(_ w: UnsafePointer<Int32>) -> Int8DeviceConv.Geometry {
        let v = { (i: Int) in Int(w[i]) }
        return Int8DeviceConv.Geometry(batch: v(0), inChannels: v(1), outChannels: v(2), groups: v(3), input: (v(4), v(5), v(6)),
                                       kernel: (v(7), v(8), v(9)), stride: (v(10), v(11), v(12)), padsBegin: (v(13), v(14), v(15)),
                                       dilation: (v(16), v(17), v(18)), output: (v(19), v(20), v(21)))
    }

    /// Reads the 16 pool geometry words: channels, input d h w, kernel, stride, pads, output.
    static func poolGeometry(_ w: UnsafePointer<Int32>) -> Int8PoolGeometry {
        let v = { (i: Int) in Int(w[i]) }
        return Int8PoolGeometry(channels: v(0), input: (v(1), v(2), v(3)), kernel: (v(4), v(5), v(6)), stride: (v(7), v(8), v(9)),
                            padsBegin: (v(10), v(11), v(12)), output: (v(13), v(14), v(15)))
    }
}

/// The C entry point of a firmware (see `Firmware/cortex-m55/README.md`):
/// `int32_t rppg_runtime_run(const int32_t *plan, const int8_t *input, int8_t *output, void *arena,
/// void (*profile)(int32_t op_index))`; returns 0 or a negative ``Int8PlanStatus``.
@_cdecl("rppg_runtime_run")
public func rppgRuntimeRun(_ plan: UnsafePointer<Int32>, _ input: UnsafePointer<Int8>, _ output: UnsafeMutablePointer<Int8>,
                           _ arena: UnsafeMutableRawPointer, _ profile: (@convention(c) (Int32) -> Void)?) -> Int32 {
    Int8PlanRunner.run(plan: plan, input: input, output: output, arena: arena, profile: profile)
}
