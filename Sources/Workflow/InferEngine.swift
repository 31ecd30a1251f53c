import Foundation
import NN
import Quantization
import TensorCore

/// Which executor `rppg infer` runs the model on.
public enum InferEngine: String, Sendable, CaseIterable, Codable {
    /// The FP32 executor; float models only.
    case fp32
    /// The integer kernels of ``Int8Executor`` on a QDQ model (the product's deployment engine).
    case int8
    /// Float simulation of a QDQ model's rounding (``FakeQuantExecutor``), for comparison.
    case fakeQuant = "fake-quant"

    /// Parses `fp32`, `int8`, `fake-quant` (also `fakequant`, as `verify` spells it).
    public init?(name: String) {
        let key = name.lowercased().replacingOccurrences(of: "_", with: "-")
        if key == "fakequant" { self = .fakeQuant; return }
        self.init(rawValue: key)
    }

    /// The engine used when none is asked for: int8 for a QDQ model, since that is what deploys;
    /// fp32 otherwise.
    public static func automatic(for graph: Graph) -> InferEngine { hasQDQ(graph) ? .int8 : .fp32 }

    /// `requested`, or the automatic engine when nil; a float checkpoint runs on fp32 only.
    static func choose(_ requested: InferEngine?, graph: Graph, source: InferModelSource) throws -> InferEngine {
        let engine = requested ?? automatic(for: graph)
        if engine != .fp32, case .checkpoint(let url, _) = source {
            throw InferError(message: "\(url.path) is a float checkpoint; the \(engine.rawValue) engine runs a QDQ ONNX model. "
                             + "Export and quantize it first (rppg export, rppg quantize) and pass --onnx MODEL_int8_qdq.onnx.")
        }
        return engine
    }

    /// True when the graph holds QuantizeLinear/DequantizeLinear nodes (a `quantize_static` model).
    public static func hasQDQ(_ graph: Graph) -> Bool { graph.nodes.contains { isQDQ($0.op) } }

    /// Compiles `graph` once for this engine; the closure runs one batch. `file` names the model in
    /// errors, since the wrong engine for a model is the user's choice to fix.
    func compile(_ graph: Graph, threads: Int, file: String) throws -> (Tensor) throws -> Tensor {
        let quantized = Self.hasQDQ(graph)
        switch self {
        case .fp32:
            guard !quantized else {
                throw InferError(message: "\(file) is a QDQ (quantized) model; the fp32 engine runs float models. "
                                 + "Use --engine int8 or --engine fake-quant, or pass the FP32 ONNX model.")
            }
            let executor = try FP32Executor(graph: GraphPasses.optimizeForInference(graph), threads: threads)
            return { try executor.run($0) }
        case .int8, .fakeQuant:
            guard quantized else {
                throw InferError(message: "\(file) has no QuantizeLinear/DequantizeLinear nodes; the \(rawValue) engine "
                                 + "runs QDQ models. Quantize it first (rppg quantize --model \(file) ...) or use --engine fp32.")
            }
            if self == .int8 {
                let executor = try Int8Executor(graph: graph, threads: threads)
                return { try executor.run($0) }
            }
            let executor = try FakeQuantExecutor(graph: graph, runner: FP32Runner.factory(threads: threads))
            return { try executor.run($0) }
        }
    }
}
