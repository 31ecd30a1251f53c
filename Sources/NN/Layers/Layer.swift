/// A layer of the layer library: a value that knows its parameter keys and shapes and traces
/// itself into a `GraphBuilder`. Value names flow between layers as `String`s.
public protocol Layer {
    /// Appends this layer's nodes, reading value `x`; returns the output value name.
    func trace(_ x: String, in b: GraphBuilder) throws -> String
}

/// PyTorch `nn.Sequential`: children are named `0`, `1`, … in the state dict.
public struct Sequential: Layer {
    public var layers: [any Layer]
    public init(_ layers: [any Layer]) { self.layers = layers }
    public init(@SequentialBuilder _ build: () -> [any Layer]) { self.layers = build() }

    public func trace(_ x: String, in b: GraphBuilder) throws -> String {
        var v = x
        for (i, layer) in layers.enumerated() { v = try b.scope(String(i)) { try layer.trace(v, in: b) } }
        return v
    }
}

/// Result builder for `Sequential { ... }`.
@resultBuilder
public enum SequentialBuilder {
    public static func buildBlock(_ layers: any Layer...) -> [any Layer] { layers }
}

/// A named child (an attribute of a PyTorch module): its keys are prefixed with `name`.
public struct Named: Layer {
    public var name: String
    public var layer: any Layer
    public init(_ name: String, _ layer: any Layer) { self.name = name; self.layer = layer }
    public func trace(_ x: String, in b: GraphBuilder) throws -> String {
        try b.scope(name) { try layer.trace(x, in: b) }
    }
}

/// A parameter-free function of the value, for forward code between layers.
public struct Lambda: Layer {
    public var body: (String, GraphBuilder) throws -> String
    public init(_ body: @escaping (String, GraphBuilder) throws -> String) { self.body = body }
    public func trace(_ x: String, in b: GraphBuilder) throws -> String { try body(x, b) }
}
