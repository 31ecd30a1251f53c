import Dispatch
import Foundation
import Kernels
import TensorCore

/// Runs a float32 graph. `init` compiles once: shape inference, a memory plan that reuses
/// buffers between values whose lifetimes do not overlap, and one prepared step per node with
/// its kernel, geometry and pointers fixed. `run` then only copies the input in, calls the steps
/// and copies the outputs out: no shape work, no look-ups and no allocation besides the result.
///
/// Stride-1 convolutions run as direct convolutions on AVX-512 CPUs (`FP32DirectConv`), the others
/// through im2col + `cblas_sgemm`; both are spread over `threads` workers; BLAS is
/// set to one thread so the two never oversubscribe the cores. Not safe to call `run`
/// concurrently on one executor (the arena is shared); make one executor per thread instead.
public final class FP32Executor {
    public let graph: Graph
    public let threads: Int
    /// Floats in the activation arena (after buffer reuse), for reports.
    public let arenaFloats: Int
    /// Floats the values would need without reuse.
    public let unplannedFloats: Int

    private let inputInfos: [ValueInfo]
    private let outputInfos: [ValueInfo]
    private var inputPointers: [UnsafeMutablePointer<Float>] = []
    private var outputPointers: [UnsafeMutablePointer<Float>] = []
    private var steps: [() -> Void] = []
    private var allocations: [UnsafeMutablePointer<Float>] = []
    /// Per-step wall time, kept only when `RPPG_FP32_PROFILE` is set (empty otherwise).
    private var stepSeconds: [Double] = []

    /// Compiles `graph` (float32 only). Throws for ops the FP32 executor does not run
    /// (quantize/dequantize, QLinearConv) and for shapes that do not fit.
    public init(graph: Graph, threads: Int = Parallel.availableCores) throws {
        var g = graph
        try ShapeInference.run(&g)
        self.graph = g
        let threadCount = max(1, threads)
        self.threads = threadCount
        BLAS.threadCount = 1
        inputInfos = g.inputs
        outputInfos = g.outputs.map { g.valueInfo[$0.name] ?? $0 }
        for node in g.nodes {
            switch node.op {
            case .quantizeLinear, .dequantizeLinear, .qLinearConv: throw ExecutorError.unsupported(node)
            default: break
            }
        }

        // Constants, as float32.
        var pointers: [String: UnsafeMutablePointer<Float>] = [:]
        var owned: [UnsafeMutablePointer<Float>] = []
        func own(_ count: Int) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: max(1, count))
            p.initialize(repeating: 0, count: max(1, count))
            owned.append(p)
            return p
        }
        for (name, t) in g.initializers {
            let f = t.dtype == .float32 ? t : t.toFloat32()
            let p = own(f.elementCount)
            f.withUnsafeBufferPointer(of: Float.self) { if let b = $0.baseAddress { p.update(from: b, count: $0.count) } }
            pointers[name] = p
        }
        for input in g.inputs where pointers[input.name] == nil {
            let p = own(input.shape.reduce(1, *))
            pointers[input.name] = p
        }
        var sizes: [String: Int] = [:]
        for node in g.nodes {
            for v in node.outputs where !v.isEmpty { sizes[v] = g.valueInfo[v]!.shape.reduce(1, *) }
        }
        unplannedFloats = sizes.values.reduce(0, +)
        let plan = MemoryPlan(nodes: g.nodes, sizes: sizes, pinned: Set(g.outputs.map(\.name)))
        arenaFloats = plan.totalFloats
        var slotBase: [UnsafeMutablePointer<Float>] = []
        let arena = own(plan.totalFloats)
        var offset = 0
        for size in plan.slotSizes { slotBase.append(arena + offset); offset += size }
        for (v, slot) in plan.slotOf where pointers[v] == nil { pointers[v] = slotBase[slot] }

        // Scratch shared by the steps (they run one after another).
        var scratchFloats = 0
        for node in g.nodes { scratchFloats = max(scratchFloats, Self.scratchNeed(node, g, threads: threadCount)) }
        let scratch = own(scratchFloats)
        allocations = owned

        for node in g.nodes {
            var kernel: FP32Activation?
            if let act = node.fusedActivation {
                guard let k = Self.activation(act) else {
                    throw ExecutorError("Node '\(node.name)': fused \(act.name) is not an activation the FP32 executor knows")
                }
                kernel = k
            }
            // Direct convolutions apply the activation in their epilogue; other steps after.
            if let direct = try Self.compileDirectConv(node, g, pointers: pointers, scratch: scratch, threads: threadCount,
                                                       activation: kernel) {
                steps.append(direct)
                continue
            }
            let step = try Self.compile(node, g, pointers: pointers, scratch: scratch, threads: threadCount)
            if let kernel {
                let y = pointers[node.outputs[0]]!, n = g.valueInfo[node.outputs[0]]!.shape.reduce(1, *)
                steps.append { step(); kernel.apply(y, y, count: n) }
            } else {
                steps.append(step)
            }
        }
        if ProcessInfo.processInfo.environment["RPPG_FP32_PROFILE"] != nil {
            stepSeconds = Array(repeating: 0, count: steps.count)
        }
        inputPointers = g.inputs.map { pointers[$0.name]! }
        outputPointers = outputInfos.map { pointers[$0.name]! }
    }

    deinit {
        if !stepSeconds.isEmpty {
            // RPPG_FP32_PROFILE: wall seconds per node over all runs, largest first.
            var lines = "FP32Executor profile (\(threads) threads):\n"
            for (i, s) in stepSeconds.enumerated().sorted(by: { $0.element > $1.element }) {
                lines += "  \(String(format: "%9.2f", s * 1e3)) ms  \(graph.nodes[i].name) \(graph.nodes[i].op.name)\n"
            }
            FileHandle.standardError.write(lines.data(using: .utf8)!)
        }
        for p in allocations { p.deallocate() }
    }

    /// Runs the graph on named inputs; returns every graph output by name.
    public func run(_ inputs: [String: Tensor]) throws -> [String: Tensor] {
        for (i, info) in inputInfos.enumerated() {
            guard let t = inputs[info.name] else {
                throw ExecutorError("Missing graph input '\(info.name)' (expected shape \(info.shape)).")
            }
            try load(t, into: i)
        }
        return execute()
    }

    /// Runs a graph with one input and one output.
    public func run(_ input: Tensor) throws -> Tensor {
        guard inputInfos.count == 1, outputInfos.count == 1 else {
            throw ExecutorError("run(_:) needs a graph with one input and one output; this one has "
                                + "\(inputInfos.count) inputs and \(outputInfos.count) outputs.")
        }
        try load(input, into: 0)
        return execute()[outputInfos[0].name]!
    }

    private func load(_ t: Tensor, into i: Int) throws {
        let info = inputInfos[i]
        guard t.shape == info.shape else {
            throw ExecutorError("Input '\(info.name)' has shape \(t.shape); the model expects \(info.shape).")
        }
        let f = t.dtype == .float32 ? t : t.toFloat32()
        f.withUnsafeBufferPointer(of: Float.self) { b in
            if let base = b.baseAddress { inputPointers[i].update(from: base, count: b.count) }
        }
    }

    private func execute() -> [String: Tensor] {
        if stepSeconds.isEmpty {
            for step in steps { step() }
        } else {
            for (i, step) in steps.enumerated() {
                let t0 = DispatchTime.now().uptimeNanoseconds
                step()
                stepSeconds[i] += Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9
            }
        }
        var out: [String: Tensor] = [:]
        for (info, p) in zip(outputInfos, outputPointers) {
            var t = Tensor(zeros: info.shape)
            t.withUnsafeMutableBufferPointer(of: Float.self) { b in
                if let base = b.baseAddress { base.update(from: p, count: b.count) }
            }
            out[info.name] = t
        }
        return out
    }

    static func activation(_ op: Op) -> FP32Activation? {
        switch op {
        case .relu: return .relu
        case .tanh: return .tanh
        case .sigmoid: return .sigmoid
        case .elu(let a): return .elu(alpha: a)
        case .clip(let lo, let hi): return .clip(min: lo, max: hi)
        default: return nil
        }
    }
}
