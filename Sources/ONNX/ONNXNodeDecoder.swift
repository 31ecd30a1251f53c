import Foundation
import NN
import TensorCore

/// Maps ONNX nodes to graph-IR nodes. Constant operands that the IR keeps as attributes
/// (Reshape shape, Slice bounds, axes, Clip bounds, Dropout ratio) are folded in and recorded
/// in ``folded``; `Constant` nodes become initializers.
struct ONNXNodeDecoder {
    let source: String
    let opset: Int
    private(set) var constants: [String: Tensor]
    private(set) var folded: Set<String> = []

    init(source: String, opset: Int, constants: [String: Tensor]) {
        self.source = source
        self.opset = opset
        self.constants = constants
    }

    /// The IR node for `n`, or nil for a `Constant` (which becomes an initializer).
    mutating func decode(_ n: ONNXNodeProto, index: Int) throws -> Node? {
        let name = n.name.isEmpty ? "\(n.opType)_\(index)" : n.name
        guard n.domain.isEmpty || n.domain == "ai.onnx" else {
            throw ONNXError.unsupportedOp(source: source, node: name, op: n.opType, domain: n.domain)
        }
        var inputs = n.input
        while inputs.last == "" { inputs.removeLast() }
        var outputs = n.output
        while outputs.last == "" { outputs.removeLast() }
        let ctx = Context(source: source, node: name, proto: n)

        func requireInputs(_ k: Int) throws {
            guard inputs.count >= k else { throw ctx.unsupported("needs \(k) inputs, has \(inputs.count)") }
        }
        func singleOutput() throws {
            guard outputs.count == 1 else { throw ctx.unsupported("only the first output is supported (got \(outputs.count) outputs)") }
        }

        guard !outputs.isEmpty else { throw ctx.unsupported("the node has no output") }
        if n.opType != "Constant" { try requireInputs(1) }
        let op: Op
        switch n.opType {
        case "Constant":
            try singleOutput()
            constants[outputs[0]] = try constantValue(ctx)
            return nil
        case "Conv", "QLinearConv":
            let weightIndex = n.opType == "Conv" ? 1 : 3
            try requireInputs(weightIndex + 1)
            let attrs = try convAttributes(ctx, weight: inputs[weightIndex])
            op = n.opType == "Conv" ? .conv(attrs) : .qLinearConv(attrs)
        case "ConvTranspose":
            try requireInputs(2)
            if ctx.attribute("output_shape") != nil { throw ctx.unsupported("the output_shape attribute is not supported") }
            let conv = try convAttributes(ctx, weight: inputs[1])
            op = .convTranspose(ConvTransposeAttributes(conv: conv, outputPadding: try ctx.ints("output_padding")))
        case "BatchNormalization":
            try singleOutput()
            if try ctx.int("training_mode") ?? 0 != 0 { throw ctx.unsupported("training_mode=1 is not supported") }
            op = .batchNorm(epsilon: try ctx.float("epsilon") ?? 1e-5)
        case "InstanceNormalization": op = .instanceNorm(epsilon: try ctx.float("epsilon") ?? 1e-5)
        case "Softmax":
            // Before opset 13 Softmax flattened the axes from `axis` on (default 1): the same only on the last axis.
            let axis = try ctx.int("axis")
            if opset < 13, axis != -1 { throw ctx.unsupported("Softmax before opset 13 is supported only with axis = -1") }
            try singleOutput()
            op = .softmax(axis: axis ?? -1)
        case "LayerNormalization":
            try requireInputs(2)
            // stash_type 1 (float statistics) is the default and what torch.onnx writes.
            if let stash = try ctx.int("stash_type"), stash != 1 { throw ctx.unsupported("stash_type \(stash) is not supported") }
            try singleOutput()
            op = .layerNorm(axis: try ctx.int("axis") ?? -1, epsilon: try ctx.float("epsilon") ?? 1e-5)
        case "Gemm":
            op = .gemm(transA: try ctx.int("transA") ?? 0 != 0, transB: try ctx.int("transB") ?? 0 != 0,
                       alpha: try ctx.float("alpha") ?? 1, beta: try ctx.float("beta") ?? 1)
        case "MatMul": op = .matMul
        case "MaxPool":
            try singleOutput()
            if let d = try ctx.ints("dilations"), d.contains(where: { $0 != 1 }) { throw ctx.unsupported("dilated max pooling is not supported") }
            op = .maxPool(try poolAttributes(ctx, countIncludePad: false))
        case "AveragePool":
            op = .avgPool(try poolAttributes(ctx, countIncludePad: try ctx.int("count_include_pad") ?? 0 != 0))
        case "GlobalAveragePool": op = .globalAvgPool
        case "Relu": op = .relu
        case "Elu": op = .elu(alpha: try ctx.float("alpha") ?? 1)
        case "Tanh": op = .tanh
        case "Sigmoid": op = .sigmoid
        case "Add": op = .add
        case "Sub": op = .sub
        case "Mul": op = .mul
        case "Div": op = .div
        case "Identity": op = .identity
        case "Clip":
            var lo = -Float.infinity, hi = Float.infinity
            if opset < 11 {
                lo = try ctx.float("min") ?? lo
                hi = try ctx.float("max") ?? hi
            } else {
                if inputs.count > 1, !inputs[1].isEmpty { lo = try floatConstant(inputs[1], ctx) }
                if inputs.count > 2, !inputs[2].isEmpty { hi = try floatConstant(inputs[2], ctx) }
                inputs = [inputs[0]]
            }
            op = .clip(min: lo, max: hi)
        case "ReduceMean":
            var axes = try ctx.ints("axes")
            if opset >= 18, inputs.count > 1 {
                axes = try intsConstant(inputs[1], ctx)
                inputs = [inputs[0]]
            }
            guard let axes, !axes.isEmpty else { throw ctx.unsupported("ReduceMean without explicit axes is not supported") }
            op = .reduceMean(axes: axes, keepDims: try ctx.int("keepdims") ?? 1 != 0)
        case "Reshape":
            try requireInputs(2)
            let shape = try intsConstant(inputs[1], ctx)
            if try ctx.int("allowzero") ?? 0 != 0, shape.contains(0) { throw ctx.unsupported("allowzero=1 with a zero in the shape is not supported") }
            op = .reshape(shape: shape)
            inputs = [inputs[0]]
        case "Flatten": op = .flatten(axis: try ctx.int("axis") ?? 1)
        case "Transpose":
            guard let perm = try ctx.ints("perm") else { throw ctx.unsupported("Transpose without perm is not supported") }
            op = .transpose(perm: perm)
        case "Squeeze", "Unsqueeze":
            var axes = try ctx.ints("axes")
            if opset >= 13, inputs.count > 1 {
                axes = try intsConstant(inputs[1], ctx)
                inputs = [inputs[0]]
            }
            guard let axes else { throw ctx.unsupported("\(n.opType) without explicit axes is not supported") }
            op = n.opType == "Squeeze" ? .squeeze(axes: axes) : .unsqueeze(axes: axes)
        case "Concat":
            guard let axis = try ctx.int("axis") else { throw ctx.unsupported("Concat needs an axis") }
            op = .concat(axis: axis)
        case "Slice":
            try requireInputs(3)
            let starts = try intsConstant(inputs[1], ctx), ends = try intsConstant(inputs[2], ctx)
            let axes = inputs.count > 3 && !inputs[3].isEmpty ? try intsConstant(inputs[3], ctx) : Array(0..<starts.count)
            let steps = inputs.count > 4 && !inputs[4].isEmpty ? try intsConstant(inputs[4], ctx) : Array(repeating: 1, count: starts.count)
            guard ends.count == starts.count, axes.count == starts.count, steps.count == starts.count else {
                throw ctx.unsupported("starts, ends, axes and steps differ in length")
            }
            op = .slice(starts: starts, ends: ends, axes: axes, steps: steps)
            inputs = [inputs[0]]
        case "Gather":
            try requireInputs(2)
            // 1-D constant indices only: a scalar index would drop the axis.
            guard try constant(inputs[1], ctx).shape.count == 1 else { throw ctx.unsupported("Gather needs 1-D constant indices") }
            op = .gather(axis: try ctx.int("axis") ?? 0, indices: try intsConstant(inputs[1], ctx))
            inputs = [inputs[0]]
        case "Dropout":
            var ratio = try ctx.float("ratio") ?? 0.5
            if inputs.count > 1, !inputs[1].isEmpty { ratio = try floatConstant(inputs[1], ctx) }
            if inputs.count > 2, !inputs[2].isEmpty {
                let training = try constant(inputs[2], ctx)
                if training.doubleValues().contains(where: { $0 != 0 }) { throw ctx.unsupported("training_mode=true is not supported") }
                folded.insert(inputs[2])
            }
            try singleOutput()
            op = .dropout(ratio: ratio)
            inputs = [inputs[0]]
        case "QuantizeLinear":
            if try ctx.int("saturate") == 0 { throw ctx.unsupported("saturate=0 is not supported") }
            op = .quantizeLinear(axis: try ctx.int("axis") ?? 1)
        case "DequantizeLinear": op = .dequantizeLinear(axis: try ctx.int("axis") ?? 1)
        default:
            throw ONNXError.unsupportedOp(source: source, node: name, op: n.opType, domain: n.domain)
        }
        return Node(name: name, op: op, inputs: inputs, outputs: outputs)
    }

    // MARK: Constant operands

    private mutating func constant(_ name: String, _ ctx: Context) throws -> Tensor {
        guard let t = constants[name] else {
            throw ctx.unsupported("input '\(name)' must be a constant (initializer or Constant node); computed shapes are not supported")
        }
        return t
    }

    private mutating func intsConstant(_ name: String, _ ctx: Context) throws -> [Int] {
        let t = try constant(name, ctx)
        folded.insert(name)
        switch t.dtype {
        case .int64: return t.scalars(as: Int64.self).map { Int(clamping: $0) }
        case .int32: return t.scalars(as: Int32.self).map { Int($0) }
        default: throw ctx.unsupported("input '\(name)' must be int64, is \(t.dtype.rawValue)")
        }
    }

    private mutating func floatConstant(_ name: String, _ ctx: Context) throws -> Float {
        let t = try constant(name, ctx)
        folded.insert(name)
        guard t.dtype.isFloatingPoint, t.elementCount == 1 else {
            throw ctx.unsupported("input '\(name)' must be a floating-point scalar")
        }
        return t.floatValues()[0]
    }

    private func constantValue(_ ctx: Context) throws -> Tensor {
        if let a = ctx.attribute("value"), let t = a.t { return try ONNXTensorConversion.tensor(t, source: source) }
        if let f = try ctx.float("value_float") { return Tensor(scalar: f) }
        if let fs = ctx.attribute("value_floats") { return Tensor(shape: [fs.floats.count], scalars: fs.floats) }
        if let i = ctx.attribute("value_int") { return Tensor(scalar: i.i) }
        if let i = ctx.attribute("value_ints") { return Tensor(shape: [i.ints.count], scalars: i.ints) }
        throw ctx.unsupported("a Constant without a tensor, float or int value is not supported")
    }

    // MARK: Attributes

    private func convAttributes(_ ctx: Context, weight: String) throws -> ConvAttributes {
        var kernel = try ctx.ints("kernel_shape")
        if kernel == nil, let w = constants[weight], w.rank >= 3 { kernel = Array(w.shape.dropFirst(2)) }
        guard let kernel, !kernel.isEmpty else { throw ctx.unsupported("the kernel shape is unknown (no kernel_shape, weight not constant)") }
        let d = kernel.count
        let (begin, end) = try pads(ctx, rank: d)
        let stride = try ctx.ints("strides") ?? Array(repeating: 1, count: d)
        let dilation = try ctx.ints("dilations") ?? Array(repeating: 1, count: d)
        guard stride.count == d, dilation.count == d else { throw ctx.unsupported("strides/dilations do not match the kernel rank \(d)") }
        return ConvAttributes(kernel: kernel, stride: stride, padsBegin: begin, padsEnd: end,
                              dilation: dilation, groups: try ctx.int("group") ?? 1)
    }

    private func poolAttributes(_ ctx: Context, countIncludePad: Bool) throws -> PoolAttributes {
        guard let kernel = try ctx.ints("kernel_shape"), !kernel.isEmpty else { throw ctx.unsupported("pooling needs kernel_shape") }
        let (begin, end) = try pads(ctx, rank: kernel.count)
        let stride = try ctx.ints("strides") ?? Array(repeating: 1, count: kernel.count)
        guard stride.count == kernel.count else { throw ctx.unsupported("strides do not match the kernel rank") }
        return PoolAttributes(kernel: kernel, stride: stride, padsBegin: begin, padsEnd: end,
                              ceilMode: try ctx.int("ceil_mode") ?? 0 != 0, countIncludePad: countIncludePad)
    }

    private func pads(_ ctx: Context, rank d: Int) throws -> ([Int], [Int]) {
        if let a = ctx.attribute("auto_pad"), let mode = String(bytes: a.s, encoding: .utf8), mode != "NOTSET", mode != "VALID" {
            throw ctx.unsupported("auto_pad=\(mode) is not supported; export with explicit pads")
        }
        guard let p = try ctx.ints("pads") else { return (Array(repeating: 0, count: d), Array(repeating: 0, count: d)) }
        guard p.count == 2 * d else { throw ctx.unsupported("pads has \(p.count) values for \(d) spatial axes") }
        return (Array(p[0..<d]), Array(p[d...]))
    }

    /// Attribute access with type checks, for one node.
    struct Context {
        let source: String
        let node: String
        let proto: ONNXNodeProto

        func attribute(_ name: String) -> ONNXAttributeProto? { proto.attribute(name) }

        func int(_ name: String) throws -> Int? {
            guard let a = attribute(name) else { return nil }
            guard a.kind == .int || a.kind == .undefined else { throw unsupported("attribute \(name) should be an INT") }
            return Int(clamping: a.i)
        }
        func float(_ name: String) throws -> Float? {
            guard let a = attribute(name) else { return nil }
            guard a.kind == .float || a.kind == .undefined else { throw unsupported("attribute \(name) should be a FLOAT") }
            return a.f
        }
        func ints(_ name: String) throws -> [Int]? {
            guard let a = attribute(name) else { return nil }
            guard a.kind == .ints || a.kind == .undefined else { throw unsupported("attribute \(name) should be INTS") }
            return a.ints.map { Int(clamping: $0) }
        }
        func unsupported(_ detail: String) -> ONNXError {
            .unsupportedAttribute(source: source, node: node, op: proto.opType, detail: detail)
        }
    }
}
