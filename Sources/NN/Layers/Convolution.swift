/// PyTorch `nn.Conv1d/2d/3d` (the spatial rank is the kernel's length). Keys `weight`
/// `[Cout, Cin/groups, k...]` and, with bias, `bias` `[Cout]`.
public struct Conv: Layer {
    public var inChannels, outChannels: Int
    public var attributes: ConvAttributes
    public var bias: Bool

    /// `padding` is symmetric per axis; `padsEnd` overrides the end side (asymmetric padding).
    public init(_ inChannels: Int, _ outChannels: Int, kernel: [Int], stride: [Int]? = nil, padding: [Int]? = nil,
                padsEnd: [Int]? = nil, dilation: [Int]? = nil, groups: Int = 1, bias: Bool = true) {
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.attributes = ConvAttributes(kernel: kernel, stride: stride, padsBegin: padding, padsEnd: padsEnd ?? padding,
                                         dilation: dilation, groups: groups)
        self.bias = bias
    }

    public func trace(_ x: String, in b: GraphBuilder) throws -> String {
        let w = b.parameter("weight", shape: [outChannels, inChannels / attributes.groups] + attributes.kernel)
        var inputs = [x, w]
        if bias { inputs.append(b.parameter("bias", shape: [outChannels])) }
        return b.node(.conv(attributes), inputs)
    }
}

/// `nn.Conv1d`: kernel, stride, padding and dilation given as scalars.
public func Conv1d(_ cin: Int, _ cout: Int, _ k: Int, stride: Int = 1, padding: Int = 0, dilation: Int = 1,
                   groups: Int = 1, bias: Bool = true) -> Conv {
    Conv(cin, cout, kernel: [k], stride: [stride], padding: [padding], dilation: [dilation], groups: groups, bias: bias)
}

/// `nn.Conv2d`.
public func Conv2d(_ cin: Int, _ cout: Int, _ k: [Int], stride: [Int] = [1, 1], padding: [Int] = [0, 0],
                   dilation: [Int] = [1, 1], groups: Int = 1, bias: Bool = true) -> Conv {
    Conv(cin, cout, kernel: k, stride: stride, padding: padding, dilation: dilation, groups: groups, bias: bias)
}

/// `nn.Conv3d`.
public func Conv3d(_ cin: Int, _ cout: Int, _ k: [Int], stride: [Int] = [1, 1, 1], padding: [Int] = [0, 0, 0],
                   dilation: [Int] = [1, 1, 1], groups: Int = 1, bias: Bool = true) -> Conv {
    Conv(cin, cout, kernel: k, stride: stride, padding: padding, dilation: dilation, groups: groups, bias: bias)
}

/// PyTorch `nn.ConvTranspose1d/2d/3d`: weight `[Cin, Cout/groups, k...]`, bias `[Cout]`.
public struct ConvTranspose: Layer {
    public var inChannels, outChannels: Int
    public var attributes: ConvTransposeAttributes
    public var bias: Bool

    public init(_ inChannels: Int, _ outChannels: Int, kernel: [Int], stride: [Int]? = nil, padding: [Int]? = nil,
                outputPadding: [Int]? = nil, dilation: [Int]? = nil, groups: Int = 1, bias: Bool = true) {
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.attributes = ConvTransposeAttributes(
            conv: ConvAttributes(kernel: kernel, stride: stride, padsBegin: padding, padsEnd: padding,
                                 dilation: dilation, groups: groups),
            outputPadding: outputPadding)
        self.bias = bias
    }

    public func trace(_ x: String, in b: GraphBuilder) throws -> String {
        let w = b.parameter("weight", shape: [inChannels, outChannels / attributes.conv.groups] + attributes.conv.kernel)
        var inputs = [x, w]
        if bias { inputs.append(b.parameter("bias", shape: [outChannels])) }
        return b.node(.convTranspose(attributes), inputs)
    }
}

/// `nn.ConvTranspose3d`.
public func ConvTranspose3d(_ cin: Int, _ cout: Int, _ k: [Int], stride: [Int] = [1, 1, 1],
                            padding: [Int] = [0, 0, 0], bias: Bool = true) -> ConvTranspose {
    ConvTranspose(cin, cout, kernel: k, stride: stride, padding: padding, bias: bias)
}

/// `nn.Linear`: weight `[out, in]`, bias `[out]`; input `[N, in]`.
public struct Linear: Layer {
    public var inFeatures, outFeatures: Int
    public var bias: Bool
    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true) {
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        self.bias = bias
    }
    public func trace(_ x: String, in b: GraphBuilder) throws -> String {
        var inputs = [x, b.parameter("weight", shape: [outFeatures, inFeatures])]
        if bias { inputs.append(b.parameter("bias", shape: [outFeatures])) }
        return b.node(.gemm(transA: false, transB: true, alpha: 1, beta: 1), inputs)
    }
}
