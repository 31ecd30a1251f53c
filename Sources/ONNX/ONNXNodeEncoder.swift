import NN
import TensorCore

/// Maps graph-IR nodes to ONNX nodes as torch.onnx does: attribute-like operands that later
/// opsets take as inputs (Reshape shape, Slice bounds, Squeeze/Unsqueeze axes, Clip bounds,
/// ReduceMean axes from 18) become int64/float initializers named after the node.
struct ONNXNodeEncoder {
    let graph: Graph
    /// Known value types (the graph's own, plus shape inference where the writer needed it).
    let shapes: [String: ValueInfo]
    let opset: Int
    private(set) var extraInitializers: [ONNXTensorProto] = []
    private var usedNames: Set<String>

    init(graph: Graph, shapes: [String: ValueInfo], opset: Int) {
        self.graph = graph
        self.shapes = shapes
        self.opset = opset
        var names = Set(graph.initializers.keys)
        for n in graph.nodes { names.formUnion(n.outputs); names.formUnion(n.inputs) }
        names.formUnion(graph.inputs.map(\.name))
        self.usedNames = names
    }

    private mutating func uniqueName(_ base: String) -> String {
        var name = base
        var k = 1
        while usedNames.contains(name) { name = "\(base)_\(k)"; k += 1 }
        usedNames.insert(name)
        return name
    }

    private mutating func constant(_ base: String, _ tensor: Tensor) -> String {
        let name = uniqueName(base)
        extraInitializers.append(ONNXTensorConversion.proto(tensor, name: name))
        return name
    }

    private mutating func ints(_ base: String, _ values: [Int]) -> String {
        constant(base, Tensor(shape: [values.count], scalars: values.map(Int64.init)))
    }

    private mutating func scalar(_ base: String, _ value: Float) -> String {
        constant(base, Tensor(scalar: value))
    }

    /// The ONNX nodes for one IR node (two when an activation is fused into it).
    mutating func encode(_ node: Node) throws -> [ONNXNodeProto] {
        let base = node.name.isEmpty ? (node.outputs.first ?? "node") : node.name
        guard !node.inputs.isEmpty, !node.outputs.isEmpty else { throw invalid(node, "a node needs at least one input and one output") }
        var outputs = node.outputs
        var tail: [ONNXNodeProto] = []
        if let act = node.fusedActivation {
            guard outputs.count == 1 else { throw invalid(node, "a fused activation needs exactly one output") }
            let pre = uniqueName("\(outputs[0])_preactivation")
            var actNode = Node(name: uniqueName("\(base)_\(act.name)"), op: act, inputs: [pre], outputs: [outputs[0]])
            actNode.fusedActivation = nil
            tail = try encode(actNode)
            outputs = [pre]
        }
        var inputs = node.inputs
        var attrs: [ONNXAttributeProto] = []
        var opType = node.op.name
        switch node.op {
        case .conv(let c), .qLinearConv(let c):
            attrs = convAttributes(c)
        case .convTranspose(let t):
            attrs = convAttributes(t.conv)
            if t.outputPadding.contains(where: { $0 != 0 }) { attrs.append(.ints("output_padding", t.outputPadding)) }
        case .batchNorm(let eps):
            attrs = [.float("epsilon", eps)]
        case .instanceNorm(let eps):
            attrs = [.float("epsilon", eps)]
            // The writer gave affine-free InstanceNorms their ones/zeros (GraphPasses.materializeInstanceNormAffine).
            if inputs.count < 3 { throw invalid(node, "InstanceNormalization without scale and bias") }
        case .layerNorm(let axis, let eps):
            // LayerNormalization is an opset-17 op; torch.onnx writes its decomposition below that.
            guard opset >= 17 else { throw invalid(node, "LayerNormalization needs opset 17 or later; export with --opset 17") }
            attrs = [.int("axis", axis), .float("epsilon", eps)]
        case .softmax(let axis):
            attrs = [.int("axis", axis)]
        case .gemm(let ta, let tb, let alpha, let beta):
            attrs = [.float("alpha", alpha), .float("beta", beta), .int("transA", ta ? 1 : 0), .int("transB", tb ? 1 : 0)]
        case .maxPool(let p):
            attrs = poolAttributes(p)
        case .avgPool(let p):
            attrs = poolAttributes(p) + [.int("count_include_pad", p.countIncludePad ? 1 : 0)]
        case .adaptiveAvgPool(let size):
            if size.allSatisfy({ $0 == 1 }) {
                opType = "GlobalAveragePool"
            } else {
                guard let x = inputs.first, let inShape = shape(of: x), inShape.count >= size.count else {
                    throw invalid(node, "adaptive average pooling needs the input shape; run shape inference before export")
                }
                let spatial = Array(inShape.suffix(size.count))
                guard zip(spatial, size).allSatisfy({ $1 > 0 && $0 % $1 == 0 }) else {
                    throw invalid(node, "adaptive average pooling from \(spatial) to \(size) has no fixed-kernel equivalent in ONNX")
                }
                let kernel = zip(spatial, size).map { $0 / $1 }
                opType = "AveragePool"
                attrs = poolAttributes(PoolAttributes(kernel: kernel)) + [.int("count_include_pad", 0)]
            }
        case .globalAvgPool, .relu, .tanh, .sigmoid, .add, .sub, .mul, .div, .matMul, .identity:
            break
        case .elu(let alpha):
            attrs = [.float("alpha", alpha)]
        case .clip(let lo, let hi):
            inputs = [inputs[0], scalar("\(base)_min", lo), scalar("\(base)_max", hi)]
        case .reduceMean(let axes, let keep):
            attrs = [.int("keepdims", keep ? 1 : 0)]
            if opset >= 18 { inputs.append(ints("\(base)_axes", axes)) } else { attrs.insert(.ints("axes", axes), at: 0) }
        case .reshape(let shape):
            inputs = [inputs[0], ints("\(base)_shape", shape)]
        case .flatten(let axis):
            attrs = [.int("axis", axis)]
        case .transpose(let perm):
            attrs = [.ints("perm", perm)]
        case .squeeze(let axes), .unsqueeze(let axes):
            inputs = [inputs[0], ints("\(base)_axes", axes)]
        case .concat(let axis):
            attrs = [.int("axis", axis)]
        case .slice(let starts, let ends, let axes, let steps):
            inputs = [inputs[0], ints("\(base)_starts", starts), ints("\(base)_ends", ends),
                      ints("\(base)_axes", axes), ints("\(base)_steps", steps)]
        case .gather(let axis, let indices):
            inputs = [inputs[0], ints("\(base)_indices", indices)]
            attrs = [.int("axis", axis)]
        case .dropout(let ratio):
            inputs = [inputs[0], scalar("\(base)_ratio", ratio)]
        case .quantizeLinear(let axis), .dequantizeLinear(let axis):
            attrs = [.int("axis", axis)]
        }
        let onnxNode = ONNXNodeProto(name: node.name, opType: opType, inputs: inputs, outputs: outputs, attributes: attrs)
        return [onnxNode] + tail
    }

    private func shape(of value: String) -> [Int]? {
        shapes[value]?.shape ?? graph.inputs.first { $0.name == value }?.shape
            ?? graph.initializers[value]?.shape
    }

    private func invalid(_ node: Node, _ detail: String) -> ONNXError {
        .invalidGraph(source: graph.name, detail: "node '\(node.name)' (\(node.op.name)): \(detail)")
    }

    private func convAttributes(_ c: ConvAttributes) -> [ONNXAttributeProto] {
        [.ints("dilations", c.dilation), .int("group", c.groups), .ints("kernel_shape", c.kernel),
         .ints("pads", c.padsBegin + c.padsEnd), .ints("strides", c.stride)]
    }

    private func poolAttributes(_ p: PoolAttributes) -> [ONNXAttributeProto] {
        [.int("ceil_mode", p.ceilMode ? 1 : 0), .ints("kernel_shape", p.kernel),
         .ints("pads", p.padsBegin + p.padsEnd), .ints("strides", p.stride)]
    }
}
