import TensorCore

/// Records a model's trace: nodes, and the parameters (with PyTorch state_dict keys and shapes)
/// its layers declare. Layers push a name scope per child (`block2` → `0` → `weight` gives the key
/// `block2.0.weight`), so keys come out exactly as PyTorch names them.
///
/// ```swift
/// let b = GraphBuilder()
/// let y = try model.trace(b.input("input", shape: [1, 3, 128, 36, 36]), in: b)
/// let graph = try b.graph(output: y, weights: stateDict)   // strict: every key must match
/// ```
public final class GraphBuilder {
    /// A declared parameter or buffer. `used` is false for buffers the graph never reads
    /// (BatchNorm's `num_batches_tracked`) but that a state dict carries.
    public struct Parameter: Hashable, Sendable {
        public var key: String
        public var shape: [Int]
        public var used: Bool
        public init(key: String, shape: [Int], used: Bool = true) {
            self.key = key
            self.shape = shape
            self.used = used
        }
    }

    public private(set) var nodes: [Node] = []
    public private(set) var inputs: [ValueInfo] = []
    public private(set) var parameters: [Parameter] = []
    /// Initializers that are part of the model's code, not of its state dict (PhysFormer's
    /// gra_sharp divisor): bound by `graph` beside the weights, never looked up in them.
    public private(set) var constants: [String: Tensor] = [:]
    private var scopes: [String] = []
    private var counter = 0

    public init() {}

    /// Declares a graph input and returns its value name.
    public func input(_ name: String, shape: [Int]) -> String {
        inputs.append(ValueInfo(name: name, shape: shape))
        return name
    }

    /// Runs `body` with `name` pushed on the key prefix.
    public func scope<R>(_ name: String, _ body: () throws -> R) rethrows -> R {
        scopes.append(name)
        defer { scopes.removeLast() }
        return try body()
    }

    /// The full key of `name` in the current scope.
    public func key(_ name: String) -> String { (scopes + [name]).joined(separator: ".") }

    /// Declares a parameter or buffer and returns its key (the initializer's value name).
    @discardableResult
    public func parameter(_ name: String, shape: [Int], used: Bool = true) -> String {
        let k = key(name)
        parameters.append(Parameter(key: k, shape: shape, used: used))
        return k
    }

    /// Declares a constant initializer named by the current scope and returns its value name.
    public func constant(_ name: String, _ value: Tensor) -> String {
        let k = key(name)
        constants[k] = value
        return k
    }

    /// Appends a node reading `inputs` and returns the name of its (single) output.
    @discardableResult
    public func node(_ op: Op, _ inputs: [String], name: String? = nil) -> String {
        counter += 1
        let base = name ?? (scopes.isEmpty ? op.name : scopes.joined(separator: ".") + "/" + op.name)
        let out = "\(base)_\(counter)"
        nodes.append(Node(name: out, op: op, inputs: inputs, outputs: [out]))
        return out
    }

    /// The static shape of `value` as traced so far: shape inference over the nodes recorded up
    /// to now, parameters at their declared shapes (layers whose nodes depend on their input's
    /// size, as adaptive max pooling, ask this).
    public func shape(of value: String) throws -> [Int] {
        if let i = inputs.first(where: { $0.name == value }) { return i.shape }
        var g = Graph(name: "trace", nodes: nodes, inputs: inputs + parameters.map { ValueInfo(name: $0.key, shape: $0.shape) }
                          + constants.map { ValueInfo(name: $0.key, shape: $0.value.shape) },
                      outputs: [ValueInfo(name: value, shape: [])])
        try ShapeInference.run(&g)
        return g.valueInfo[value]?.shape ?? []
    }

    /// Element-wise operations with broadcasting.
    public func add(_ a: String, _ b: String) -> String { node(.add, [a, b]) }
    public func sub(_ a: String, _ b: String) -> String { node(.sub, [a, b]) }
    public func mul(_ a: String, _ b: String) -> String { node(.mul, [a, b]) }
    public func div(_ a: String, _ b: String) -> String { node(.div, [a, b]) }
    /// Mean over `axes` (PyTorch `x.mean(dim=axes, keepdim=keepDims)`).
    public func mean(_ x: String, axes: [Int], keepDims: Bool) -> String {
        node(.reduceMean(axes: axes, keepDims: keepDims), [x])
    }
    public func reshape(_ x: String, _ shape: [Int]) -> String { node(.reshape(shape: shape), [x]) }
    public func permute(_ x: String, _ perm: [Int]) -> String { node(.transpose(perm: perm), [x]) }
    public func concat(_ xs: [String], axis: Int) -> String { node(.concat(axis: axis), xs) }
    public func slice(_ x: String, axis: Int, start: Int, end: Int, step: Int = 1) -> String {
        node(.slice(starts: [start], ends: [end], axes: [axis], steps: [step]), [x])
    }
    public func gather(_ x: String, axis: Int, indices: [Int]) -> String { node(.gather(axis: axis, indices: indices), [x]) }

    /// The traced graph with `weights` bound strictly by key: a missing, unexpected or
    /// mis-shaped key is an error listing every difference. `allowedExtra` keys may be present
    /// without being declared (they are not bound). Buffers declared `used: false` must be
    /// present when `requireUnused` is true but are not bound.
    public func graph(output: String, outputName: String = "output", weights: [String: Tensor],
                      allowedExtra: Set<String> = [], requireUnused: Bool = true, name: String = "model") throws -> Graph {
        let diff = ParameterDifference(declared: parameters, weights: weights.mapValues(\.shape),
                                       allowedExtra: allowedExtra, requireUnused: requireUnused)
        if !diff.isEmpty { throw diff }
        var nodes = self.nodes
        // The final node writes the named graph output.
        if let i = nodes.lastIndex(where: { $0.outputs.contains(output) }) {
            nodes[i].outputs = nodes[i].outputs.map { $0 == output ? outputName : $0 }
            for j in nodes.indices { nodes[j].inputs = nodes[j].inputs.map { $0 == output ? outputName : $0 } }
        }
        var initializers: [String: Tensor] = [:]
        for p in parameters where p.used { initializers[p.key] = weights[p.key]!.toFloat32() }
        initializers.merge(constants) { weight, _ in weight }
        var g = Graph(name: name, nodes: nodes, inputs: inputs, outputs: [ValueInfo(name: outputName, shape: [])],
                      initializers: initializers)
        try ShapeInference.run(&g)
        return g
    }
}

/// The differences between the parameters a model declares and those a state dict holds.
public struct ParameterDifference: UserFacingError, Equatable {
    public var missing: [String] = []
    public var unexpected: [String] = []
    /// (key, expected shape, found shape).
    public var misshaped: [(String, [Int], [Int])] = []

    public init(declared: [GraphBuilder.Parameter], weights: [String: [Int]], allowedExtra: Set<String> = [],
                requireUnused: Bool = true) {
        let declaredKeys = Set(declared.map(\.key))
        for p in declared {
            guard let shape = weights[p.key] else {
                if p.used || requireUnused { missing.append(p.key) }
                continue
            }
            if shape != p.shape && !(p.shape.isEmpty && shape == [1]) { misshaped.append((p.key, p.shape, shape)) }
        }
        unexpected = weights.keys.filter { !declaredKeys.contains($0) && !allowedExtra.contains($0) }.sorted()
    }

    public var isEmpty: Bool { missing.isEmpty && unexpected.isEmpty && misshaped.isEmpty }
    /// Number of differing keys.
    public var count: Int { missing.count + unexpected.count + misshaped.count }

    public var description: String {
        var parts: [String] = []
        if !missing.isEmpty { parts.append("missing keys: " + missing.joined(separator: ", ")) }
        if !unexpected.isEmpty { parts.append("unexpected keys: " + unexpected.joined(separator: ", ")) }
        if !misshaped.isEmpty {
            parts.append("mis-shaped keys: " + misshaped.map { "\($0.0) (expected \($0.1), found \($0.2))" }
                .joined(separator: ", "))
        }
        return "The weights do not fit the model: " + parts.joined(separator: "; ") + "."
    }

    public static func == (a: ParameterDifference, b: ParameterDifference) -> Bool { a.description == b.description }
}
