import TensorCore

/// Errors of compiling or running a graph on the FP32 executor.
public struct ExecutorError: UserFacingError, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }

    static func unsupported(_ node: Node) -> ExecutorError {
        ExecutorError("Node '\(node.name)' (\(node.op.name)) is unsupported in the FP32 executor: "
                      + "run quantized graphs with the Int8Executor or FakeQuantExecutor (module Quantization).")
    }
}
