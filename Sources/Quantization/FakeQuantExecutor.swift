import NN
import TensorCore

/// Float simulation of a QDQ graph: float ops run in FP32 and every QuantizeLinear →
/// DequantizeLinear pair rounds and clips its tensor to the int8/uint8 grid. It shows what the
/// quantization grid alone costs, for comparison with the integer engine; it is not a substitute
/// for it (integer requantization rounds once more, at the conv output).
public final class FakeQuantExecutor {
    public let graph: Graph
    private let interpreter: NodeInterpreter

    /// Compiles `graph` (a QDQ graph, e.g. from ``QDQQuantizer`` or ORT). `runner` compiles the
    /// float ops; the convenience initialiser in `FakeQuantExecutor+FP32.swift` uses NN's executor.
    public init(graph: Graph, runner: @escaping FloatRunnerFactory) throws {
        guard graph.inputs.count == 1, graph.outputs.count == 1 else {
            throw QuantizationError.unsupportedGraph("the fake-quant executor runs graphs with one input and one output")
        }
        self.graph = graph
        self.interpreter = NodeInterpreter(graph: graph, factory: runner)
    }

    /// Runs on named inputs; returns the graph outputs by name.
    public func run(_ inputs: [String: Tensor]) throws -> [String: Tensor] {
        try interpreter.run(inputs) { _, t in t }
    }

    /// Runs the single-input, single-output graph.
    public func run(_ input: Tensor) throws -> Tensor {
        let out = try run([graph.inputs[0].name: input])
        return out[graph.outputs[0].name]!
    }

    /// Runs and lets `observe` see every value written (used by the per-layer report).
    func run(_ input: Tensor, observe: (String, Tensor) throws -> Void) throws -> Tensor {
        let out = try interpreter.run([graph.inputs[0].name: input]) { name, t in
            try observe(name, t)
            return t
        }
        return out[graph.outputs[0].name]!
    }
}
