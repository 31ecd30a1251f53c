import TensorCore

/// Convolution attributes for 1-, 2- and 3-D convolutions (ONNX `Conv` semantics).
/// Inputs of a conv node: `[x, weight]` or `[x, weight, bias]`; weight `[Cout, Cin/groups, k...]`.
public struct ConvAttributes: Hashable, Sendable, Codable {
    public var kernel: [Int]
    public var stride: [Int]
    /// Padding before each spatial axis.
    public var padsBegin: [Int]
    /// Padding after each spatial axis (differs from `padsBegin` for asymmetric padding).
    public var padsEnd: [Int]
    public var dilation: [Int]
    public var groups: Int

    public init(kernel: [Int], stride: [Int]? = nil, padsBegin: [Int]? = nil, padsEnd: [Int]? = nil,
                dilation: [Int]? = nil, groups: Int = 1) {
        let d = kernel.count
        self.kernel = kernel
        self.stride = stride ?? Array(repeating: 1, count: d)
        self.padsBegin = padsBegin ?? Array(repeating: 0, count: d)
        self.padsEnd = padsEnd ?? self.padsBegin
        self.dilation = dilation ?? Array(repeating: 1, count: d)
        self.groups = groups
    }

    /// Number of spatial dimensions.
    public var spatialRank: Int { kernel.count }
}

/// Transposed-convolution attributes (ONNX `ConvTranspose`); weight `[Cin, Cout/groups, k...]`.
public struct ConvTransposeAttributes: Hashable, Sendable, Codable {
    public var conv: ConvAttributes
    public var outputPadding: [Int]

    public init(conv: ConvAttributes, outputPadding: [Int]? = nil) {
        self.conv = conv
        self.outputPadding = outputPadding ?? Array(repeating: 0, count: conv.spatialRank)
    }
}

/// Pooling attributes (ONNX `MaxPool` / `AveragePool`).
public struct PoolAttributes: Hashable, Sendable, Codable {
    public var kernel: [Int]
    public var stride: [Int]
    public var padsBegin: [Int]
    public var padsEnd: [Int]
    public var ceilMode: Bool
    /// AveragePool only: whether padded zeros count in the divisor.
    public var countIncludePad: Bool

    public init(kernel: [Int], stride: [Int]? = nil, padsBegin: [Int]? = nil, padsEnd: [Int]? = nil,
                ceilMode: Bool = false, countIncludePad: Bool = false) {
        let d = kernel.count
        self.kernel = kernel
        self.stride = stride ?? kernel
        self.padsBegin = padsBegin ?? Array(repeating: 0, count: d)
        self.padsEnd = padsEnd ?? self.padsBegin
        self.ceilMode = ceilMode
        self.countIncludePad = countIncludePad
    }
}

/// The operations of the graph IR. One set serves FP32 models, QDQ models and the lowered
/// integer graphs, so that passes, executors and serializers all speak one language.
///
/// Input conventions (names in `Node.inputs`, in this order; optional ones may be absent):
/// - `conv`: x, weight[, bias]. `convTranspose`: x, weight[, bias].
/// - `batchNorm`: x, scale, bias, mean, variance (inference form).
/// - `instanceNorm`: x[, scale, bias]. `layerNorm`: x, scale[, bias].
/// - `gemm`: a, b[, c] with `Y = alpha·A'·B' + beta·C` (A' = Aᵀ if transA…).
/// - `quantizeLinear`: x, scale[, zeroPoint]; `dequantizeLinear`: x, scale[, zeroPoint].
/// - `qLinearConv`: x, xScale, xZeroPoint, w, wScale, wZeroPoint, yScale, yZeroPoint[, bias(int32)].
/// - Binary ops (`add`, `sub`, `mul`, `div`): numpy broadcasting.
public enum Op: Hashable, Sendable, Codable {
    case conv(ConvAttributes)
    case convTranspose(ConvTransposeAttributes)
    case batchNorm(epsilon: Float)
    case instanceNorm(epsilon: Float)
    /// ONNX `LayerNormalization` (opset 17): each row over the axes from `axis` on normalised by
    /// its own mean and biased variance, then `scale` and `bias` of those axes' shape.
    case layerNorm(axis: Int, epsilon: Float)
    /// ONNX `Softmax` (opset-13 semantics): along one axis.
    case softmax(axis: Int)
    case gemm(transA: Bool, transB: Bool, alpha: Float, beta: Float)
    case matMul
    case maxPool(PoolAttributes)
    case avgPool(PoolAttributes)
    /// PyTorch's adaptive average pooling to a fixed output size over the trailing spatial axes.
    case adaptiveAvgPool(outputSize: [Int])
    /// Mean over all spatial axes, keeping them as size 1 (ONNX `GlobalAveragePool`).
    case globalAvgPool
    case relu
    case elu(alpha: Float)
    case tanh
    case sigmoid
    /// `min(max(x, min), max)`; ONNX `Clip`.
    case clip(min: Float, max: Float)
    case add, sub, mul, div
    case reduceMean(axes: [Int], keepDims: Bool)
    /// Target shape with ONNX `Reshape` semantics (0 copies a dimension, -1 is inferred).
    case reshape(shape: [Int])
    case flatten(axis: Int)
    case transpose(perm: [Int])
    case squeeze(axes: [Int])
    case unsqueeze(axes: [Int])
    case concat(axis: Int)
    case slice(starts: [Int], ends: [Int], axes: [Int], steps: [Int])
    /// ONNX `Gather` with constant indices (negative ones count from the end): the entries
    /// `indices` of `axis`, in that order, repeats allowed. Output shape: the input's with
    /// `axis` resized to `indices.count` (1-D indices only).
    case gather(axis: Int, indices: [Int])
    case identity
    /// Identity at inference; kept so that dropout-removal is a visible pass.
    case dropout(ratio: Float)
    /// `axis` is used when the scale is 1-D (per-channel); ignored for per-tensor scales.
    case quantizeLinear(axis: Int)
    case dequantizeLinear(axis: Int)
    /// ONNX `QLinearConv`: int8/uint8 in, int32 accumulate, requantize, int8/uint8 out.
    case qLinearConv(ConvAttributes)

    /// The ONNX operator name this op maps to (for messages and histograms).
    public var name: String {
        switch self {
        case .conv: return "Conv"
        case .convTranspose: return "ConvTranspose"
        case .batchNorm: return "BatchNormalization"
        case .instanceNorm: return "InstanceNormalization"
        case .layerNorm: return "LayerNormalization"
        case .softmax: return "Softmax"
        case .gemm: return "Gemm"
        case .matMul: return "MatMul"
        case .maxPool: return "MaxPool"
        case .avgPool: return "AveragePool"
        case .adaptiveAvgPool: return "AdaptiveAvgPool"
        case .globalAvgPool: return "GlobalAveragePool"
        case .relu: return "Relu"
        case .elu: return "Elu"
        case .tanh: return "Tanh"
        case .sigmoid: return "Sigmoid"
        case .clip: return "Clip"
        case .add: return "Add"
        case .sub: return "Sub"
        case .mul: return "Mul"
        case .div: return "Div"
        case .reduceMean: return "ReduceMean"
        case .reshape: return "Reshape"
        case .flatten: return "Flatten"
        case .transpose: return "Transpose"
        case .squeeze: return "Squeeze"
        case .unsqueeze: return "Unsqueeze"
        case .concat: return "Concat"
        case .slice: return "Slice"
        case .gather: return "Gather"
        case .identity: return "Identity"
        case .dropout: return "Dropout"
        case .quantizeLinear: return "QuantizeLinear"
        case .dequantizeLinear: return "DequantizeLinear"
        case .qLinearConv: return "QLinearConv"
        }
    }
}
