import Kernels
import NN
import TensorCore

/// Runs a QDQ graph (ONNX Runtime `quantize_static` form) with integer arithmetic.
///
/// Compilation pattern-matches the graph as ORT's QDQ → QLinear fusion does on x86:
/// `DQ(x) → Conv(DQ(W int8, axis 0), DQ(B int32)) [→ Relu] → Q` becomes one int8 convolution
/// (Int32 accumulation, ORT's per-channel requantization, ReLU through the clamp range);
/// `DQ → AveragePool / MaxPool / GlobalAveragePool / ReduceMean → Q` become int8 pooling and
/// means; `DQ → Reshape/Flatten/Squeeze/Unsqueeze/Identity → Q` with equal parameters become views;
/// `DQ → Tanh/Sigmoid/Elu/Relu/Clip → Q` become 256-entry lookup tables; Slice of an int8 value is
/// an int8 gather; `QLinearConv` nodes run directly. Anything else runs as dequantize → FP32 → quantize and is
/// marked `float fallback` in ``planDescription``. uint8 activations are handled as int8 with the
/// zero point shifted by −128 (the same real values).
///
/// Buffers are allocated once at compile time; ``run(_:)`` allocates only the returned tensors.
public final class Int8Executor {
    /// One line per graph node: which path it took (int8 kernel, view, fused, float fallback).
    public internal(set) var plan: [String] = []
    /// The int8 kernel path used by convolutions.
    public let path: Int8Path
    public let threads: Int
    let graph: Graph
    let arena = Int8Arena()
    var steps: [() -> Void] = []
    var inputBindings: [(name: String, shape: [Int], buffer: Int)] = []
    var outputBindings: [(name: String, slot: Int8Slot)] = []
    /// Every int8 value of the plan by graph name (QuantizeLinear outputs and int8 views).
    var int8Values: [String: Int8Value] = [:]
    /// The same plan as device ops (see ``DevicePlan``).
    var device = DeviceProgram()
    /// Why the device runtime (``DevicePlan``, the firmware) cannot run this model, one line per
    /// node; empty when it can.
    public var deviceBlockers: [String] { device.blockers }
    /// Keeps compiled kernels alive for the closures.
    var kernels: [AnyObject] = []

    /// Compiles `graph`. `path` forces an int8 path (tests); by default the CPU check picks one.
    public init(graph: Graph, threads: Int = Parallel.availableCores, path: Int8Path? = nil) throws {
        self.graph = graph
        self.threads = max(1, threads)
        let chosen = path ?? Int8Dispatch.best
        guard Int8Dispatch.isSupported(chosen) else {
            throw Int8ExecutorError("int8 path \(chosen) is not supported by this CPU; use one of \(Int8Dispatch.supportedPaths)")
        }
        self.path = chosen
        // The float fallbacks call sgemm; like FP32Executor, keep OpenBLAS on one thread so that
        // `threads` is the whole process's thread count and BLAS never oversubscribes the cores.
        if BLAS.threadCount != 1 { BLAS.threadCount = 1 }
        var lowering = Int8Lowering(executor: self)
        try lowering.compile()
    }

    /// Names of the graph's float inputs, in order.
    public var inputNames: [String] { inputBindings.map(\.name) }

    /// The plan, one line per node, for `rppg inspect`/reports.
    public var planDescription: String {
        (["int8 plan (\(path), \(threads) threads, \(arena.totalBytes) bytes of buffers):"] + plan.map { "  " + $0 })
            .joined(separator: "\n")
    }

    /// Runs the single-input, single-output graph on `input` (float32).
    public func run(_ input: Tensor) throws -> Tensor {
        guard inputBindings.count == 1, outputBindings.count == 1 else {
            throw Int8ExecutorError("the graph has \(inputBindings.count) inputs and \(outputBindings.count) outputs; call run(_: [String: Tensor])")
        }
        return try run([inputBindings[0].name: input])[outputBindings[0].name]!
    }

    /// Runs the graph; inputs are float32 tensors keyed by graph input name.
    public func run(_ inputs: [String: Tensor]) throws -> [String: Tensor] {
        try bind(inputs)
        for step in steps { step() }
        var out: [String: Tensor] = [:]
        for (name, slot) in outputBindings { out[name] = slot.tensor(in: arena) }
        return out
    }

    /// Runs the graph and returns, for each output that is a dequantized int8 value, the int8
    /// tensor before its final DequantizeLinear with its scale and zero point (for LSB-level
    /// comparisons against ONNX Runtime). Zero points are reported in the int8 domain.
    public func runQuantized(_ inputs: [String: Tensor]) throws -> [String: (values: Tensor, scale: Float, zeroPoint: Int32)] {
        try bind(inputs)
        for step in steps { step() }
        var out: [String: (values: Tensor, scale: Float, zeroPoint: Int32)] = [:]
        for (name, slot) in outputBindings {
            if case .int8(let q) = slot.source {
                out[name] = (Tensor(shape: q.shape, scalars: Array(UnsafeBufferPointer(start: arena.int8(q.buffer), count: q.count))),
                             q.scale, q.zeroPoint)
            }
        }
        return out
    }

    /// After a run: the int8 contents of the quantized value `name` (a QuantizeLinear output in
    /// the graph), with its scale and zero point; nil if the plan holds no such int8 value.
    public func quantizedValue(_ name: String) -> (values: Tensor, scale: Float, zeroPoint: Int32)? {
        guard let q = int8Values[name] else { return nil }
        return (Tensor(shape: q.shape, scalars: Array(UnsafeBufferPointer(start: arena.int8(q.buffer), count: q.count))),
                q.scale, q.zeroPoint)
    }

    private func bind(_ inputs: [String: Tensor]) throws {
        for b in inputBindings {
            guard let t = inputs[b.name] else { throw Int8ExecutorError("missing input \"\(b.name)\" (shape \(b.shape))") }
            guard t.shape == b.shape else {
                throw Int8ExecutorError("input \"\(b.name)\" has shape \(t.shape), the model expects \(b.shape)")
            }
            let values = t.dtype == .float32 ? t : t.toFloat32()
            if values.withUnsafeBufferPointer(of: Float.self, { $0.contains { !$0.isFinite } }) {
                throw Int8ExecutorError("input \"\(b.name)\" contains NaN or infinity; clean the clip before inference")
            }
            values.withUnsafeBufferPointer(of: Float.self) { src in
                arena.float(b.buffer).update(from: src.baseAddress!, count: src.count)
            }
        }
    }
}

/// An int8 value in the plan: buffer, shape, quantization parameters (int8 domain).
struct Int8Value {
    var buffer: Int
    var shape: [Int]
    var scale: Float
    var zeroPoint: Int32
    var count: Int { shape.reduce(1, *) }
}

/// A float value in the plan.
struct FloatValue {
    var buffer: Int
    var shape: [Int]
    var count: Int { shape.reduce(1, *) }
}

/// How a graph output is produced.
struct Int8Slot {
    enum Source { case int8(Int8Value), float(FloatValue), rawInt8(Int8Value) }
    var source: Source

    func tensor(in arena: Int8Arena) -> Tensor {
        switch source {
        case .float(let f):
            return Tensor(shape: f.shape, scalars: Array(UnsafeBufferPointer(start: arena.float(f.buffer), count: f.count)))
        case .int8(let q):
            let p = arena.int8(q.buffer)
            return Tensor(shape: q.shape, scalars: (0..<q.count).map { Int8Quantize.dequantize(p[$0], scale: q.scale, zeroPoint: q.zeroPoint) })
        case .rawInt8(let q):
            return Tensor(shape: q.shape, scalars: Array(UnsafeBufferPointer(start: arena.int8(q.buffer), count: q.count)))
        }
    }
}
