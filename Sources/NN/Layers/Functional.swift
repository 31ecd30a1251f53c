/// Parameter-free layers: activations, pooling, dropout and shape operations.
public struct ReLU: Layer {
    public init() {}
    public func trace(_ x: String, in b: GraphBuilder) throws -> String { b.node(.relu, [x]) }
}

public struct ELU: Layer {
    public var alpha: Float
    public init(alpha: Float = 1) { self.alpha = alpha }
    public func trace(_ x: String, in b: GraphBuilder) throws -> String { b.node(.elu(alpha: alpha), [x]) }
}

public struct Tanh: Layer {
    public init() {}
    public func trace(_ x: String, in b: GraphBuilder) throws -> String { b.node(.tanh, [x]) }
}

public struct Sigmoid: Layer {
    public init() {}
    public func trace(_ x: String, in b: GraphBuilder) throws -> String { b.node(.sigmoid, [x]) }
}

/// Identity at inference; kept as a node so that dropout removal is a visible pass.
public struct Dropout: Layer {
    public var p: Float
    public init(_ p: Float = 0.5) { self.p = p }
    public func trace(_ x: String, in b: GraphBuilder) throws -> String { b.node(.dropout(ratio: p), [x]) }
}

/// `nn.MaxPool2d/3d`; stride defaults to the kernel.
public struct MaxPool: Layer {
    public var attributes: PoolAttributes
    public init(_ kernel: [Int], stride: [Int]? = nil, padding: [Int]? = nil, ceilMode: Bool = false) {
        attributes = PoolAttributes(kernel: kernel, stride: stride, padsBegin: padding, padsEnd: padding, ceilMode: ceilMode)
    }
    public func trace(_ x: String, in b: GraphBuilder) throws -> String { b.node(.maxPool(attributes), [x]) }
}

/// `nn.AvgPool2d/3d` (PyTorch's default `count_include_pad=True`).
public struct AvgPool: Layer {
    public var attributes: PoolAttributes
    public init(_ kernel: [Int], stride: [Int]? = nil, padding: [Int]? = nil, ceilMode: Bool = false,
                countIncludePad: Bool = true) {
        attributes = PoolAttributes(kernel: kernel, stride: stride, padsBegin: padding, padsEnd: padding,
                                    ceilMode: ceilMode, countIncludePad: countIncludePad)
    }
    public func trace(_ x: String, in b: GraphBuilder) throws -> String { b.node(.avgPool(attributes), [x]) }
}

public typealias MaxPool2d = MaxPool
public typealias MaxPool3d = MaxPool
public typealias AvgPool2d = AvgPool
public typealias AvgPool3d = AvgPool

/// `nn.AdaptiveAvgPool1d/2d/3d` to a fixed output size of the trailing axes.
public struct AdaptiveAvgPool: Layer {
    public var outputSize: [Int]
    public init(_ outputSize: [Int]) { self.outputSize = outputSize }
    public func trace(_ x: String, in b: GraphBuilder) throws -> String {
        b.node(.adaptiveAvgPool(outputSize: outputSize), [x])
    }
}

/// `nn.Flatten(start_dim=1)`, as ONNX Flatten(axis).
public struct Flatten: Layer {
    public var axis: Int
    public init(axis: Int = 1) { self.axis = axis }
    public func trace(_ x: String, in b: GraphBuilder) throws -> String { b.node(.flatten(axis: axis), [x]) }
}

/// `x.reshape(shape)` (0 copies a dimension, -1 is inferred).
public struct Reshape: Layer {
    public var shape: [Int]
    public init(_ shape: [Int]) { self.shape = shape }
    public func trace(_ x: String, in b: GraphBuilder) throws -> String { b.reshape(x, shape) }
}

/// `x.permute(perm)`.
public struct Permute: Layer {
    public var perm: [Int]
    public init(_ perm: [Int]) { self.perm = perm }
    public func trace(_ x: String, in b: GraphBuilder) throws -> String { b.permute(x, perm) }
}

/// `x.mean(dim=axes, keepdim=keepDims)`.
public struct Mean: Layer {
    public var axes: [Int]
    public var keepDims: Bool
    public init(axes: [Int], keepDims: Bool = true) { self.axes = axes; self.keepDims = keepDims }
    public func trace(_ x: String, in b: GraphBuilder) throws -> String { b.mean(x, axes: axes, keepDims: keepDims) }
}

/// `nn.AdaptiveAvgPool2d(1)` / `F.adaptive_avg_pool2d(x, 1)`: the mean over every spatial axis,
/// kept as size-1 axes. ONNX `GlobalAveragePool`, which ORT quantizes (ReduceMean it leaves in float).
public struct GlobalAvgPool: Layer {
    public init() {}
    public func trace(_ x: String, in b: GraphBuilder) throws -> String { b.node(.globalAvgPool, [x]) }
}
