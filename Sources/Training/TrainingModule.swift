/// Namespace of the `Training` module: reverse-mode differentiation over the graph IR
/// (``TrainableGraph``), optimizers (``Adam``, ``SGD``), learning-rate schedules, losses and
/// PyTorch-style parameter initialisation.
public enum TrainingModule {
    /// Module name, for version banners and reports.
    public static let name = "Training"
}

/// Errors raised while building or running a training graph.
public enum TrainingError: Error, CustomStringConvertible, Equatable {
    case unsupportedOp(node: String, op: String)
    case missingValue(String)
    case shapeMismatch(String)
    case invalidArgument(String)

    public var description: String {
        switch self {
        case .unsupportedOp(let n, let o):
            return "training does not support op \(o) (node \(n)); the model uses an operation without a backward rule."
        case .missingValue(let v): return "value '\(v)' is neither a graph input, an initializer nor a node output."
        case .shapeMismatch(let m): return m
        case .invalidArgument(let m): return m
        }
    }
}
