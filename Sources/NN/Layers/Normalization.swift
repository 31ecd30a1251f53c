/// PyTorch `nn.BatchNorm1d/2d/3d` in eval mode: keys `weight`, `bias`, `running_mean`,
/// `running_var` `[C]` and the unused buffer `num_batches_tracked` `[]`.
public struct BatchNorm: Layer {
    public var features: Int
    public var epsilon: Float
    public init(_ features: Int, epsilon: Float = 1e-5) { self.features = features; self.epsilon = epsilon }
    public func trace(_ x: String, in b: GraphBuilder) throws -> String {
        let inputs = [x] + ["weight", "bias", "running_mean", "running_var"].map { b.parameter($0, shape: [features]) }
        b.parameter("num_batches_tracked", shape: [], used: false)
        return b.node(.batchNorm(epsilon: epsilon), inputs)
    }
}

public typealias BatchNorm1d = BatchNorm
public typealias BatchNorm2d = BatchNorm
public typealias BatchNorm3d = BatchNorm

/// PyTorch `nn.InstanceNorm1d/2d/3d` (statistics per sample and channel; `track_running_stats`
/// off). With `affine`, keys `weight` and `bias` `[C]`.
public struct InstanceNorm: Layer {
    public var features: Int
    public var affine: Bool
    public var epsilon: Float
    public init(_ features: Int, affine: Bool = false, epsilon: Float = 1e-5) {
        self.features = features
        self.affine = affine
        self.epsilon = epsilon
    }
    public func trace(_ x: String, in b: GraphBuilder) throws -> String {
        var inputs = [x]
        if affine { inputs += [b.parameter("weight", shape: [features]), b.parameter("bias", shape: [features])] }
        return b.node(.instanceNorm(epsilon: epsilon), inputs)
    }
}

public typealias InstanceNorm3d = InstanceNorm

/// PyTorch `nn.LayerNorm(features, eps)` over the last axis: keys `weight` and `bias` `[features]`.
public struct LayerNorm: Layer {
    public var features: Int
    public var epsilon: Float
    public init(_ features: Int, epsilon: Float = 1e-5) { self.features = features; self.epsilon = epsilon }
    public func trace(_ x: String, in b: GraphBuilder) throws -> String {
        b.node(.layerNorm(axis: -1, epsilon: epsilon),
               [x, b.parameter("weight", shape: [features]), b.parameter("bias", shape: [features])])
    }
}
