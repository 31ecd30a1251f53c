import TensorCore

/// A named value's static type: the graph IR has static shapes only.
public struct ValueInfo: Hashable, Sendable, Codable {
    public var name: String
    public var shape: [Int]
    public var dtype: DType

    public init(name: String, shape: [Int], dtype: DType = .float32) {
        self.name = name
        self.shape = shape
        self.dtype = dtype
    }
}

/// One operation: reads named values, writes named values.
public struct Node: Hashable, Sendable {
    public var name: String
    public var op: Op
    /// Input value names; `""` marks an omitted optional input (as in ONNX).
    public var inputs: [String]
    public var outputs: [String]
    /// Fused activation applied to the output (set by the conv+activation fusion pass).
    public var fusedActivation: Op?

    public init(name: String, op: Op, inputs: [String], outputs: [String], fusedActivation: Op? = nil) {
        self.name = name
        self.op = op
        self.inputs = inputs
        self.outputs = outputs
        self.fusedActivation = fusedActivation
    }
}

/// The one intermediate representation: nodes in topological order, graph inputs/outputs with
/// static shapes, and constant initializers named by their PyTorch state_dict keys
/// (`block2.0.weight`), so that checkpoint, graph and ONNX speak the same names.
public struct Graph: Sendable {
    public var name: String
    public var nodes: [Node]
    public var inputs: [ValueInfo]
    public var outputs: [ValueInfo]
    public var initializers: [String: Tensor]
    /// Types of intermediate values, filled by shape inference.
    public var valueInfo: [String: ValueInfo]
    /// Free-form model metadata (architecture, source checkpoint, epoch, val_mae, …).
    public var metadata: [String: String]

    public init(name: String = "graph", nodes: [Node] = [], inputs: [ValueInfo] = [], outputs: [ValueInfo] = [],
                initializers: [String: Tensor] = [:], valueInfo: [String: ValueInfo] = [:],
                metadata: [String: String] = [:]) {
        self.name = name
        self.nodes = nodes
        self.inputs = inputs
        self.outputs = outputs
        self.initializers = initializers
        self.valueInfo = valueInfo
        self.metadata = metadata
    }

    /// The node that writes `value`, if any.
    public func producer(of value: String) -> Node? {
        nodes.first { $0.outputs.contains(value) }
    }

    /// Nodes that read `value`.
    public func consumers(of value: String) -> [Node] {
        nodes.filter { $0.inputs.contains(value) }
    }

    /// Count of operations by ONNX op name, for `inspect`.
    public var opHistogram: [String: Int] {
        nodes.reduce(into: [:]) { $0[$1.op.name, default: 0] += 1 }
    }

    /// Number of scalar parameters held in initializers.
    public var parameterCount: Int { initializers.values.reduce(0) { $0 + $1.elementCount } }
}
