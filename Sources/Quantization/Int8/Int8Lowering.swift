import Int8Runtime
import Kernels
import NN
import TensorCore

/// Compiles a QDQ graph into the steps of an ``Int8Executor`` (see that type for the patterns).
struct Int8Lowering {
    unowned let executor: Int8Executor
    let graph: Graph
    var int8: [String: Int8Value] = [:]
    var floats: [String: FloatValue] = [:]
    /// Float value name → the int8 value it dequantizes (DQ nodes are virtual until a float
    /// consumer needs them).
    var dqOf: [String: String] = [:]
    /// DQ of an initializer: the raw quantized constant and its parameters.
    var constantDQ: [String: (q: Tensor, scales: [Float], zeroPoints: [Int32], axis: Int)] = [:]
    /// Float constants (initializers and dequantized initializers).
    var constants: [String: Tensor] = [:]
    var absorbed: Set<String> = []
    /// 16-bit QuantizeLinear outputs: the float input and parameters, rounded to the int16 grid in
    /// float when their DequantizeLinear is reached (16-bit activations run in the float fallback).
    var sixteenBit: [String: (x: FloatValue, params: QuantParameters, range: QuantRange)] = [:]
    var consumers: [String: [Node]] = [:]
    let outputNames: Set<String>

    init(executor: Int8Executor) {
        self.executor = executor
        self.graph = executor.graph
        outputNames = Set(graph.outputs.map(\.name))
        for node in graph.nodes { for i in node.inputs where !i.isEmpty { consumers[i, default: []].append(node) } }
        for (k, v) in graph.initializers where v.dtype.isFloatingPoint { constants[k] = v.toFloat32() }
    }

    var arena: Int8Arena { executor.arena }

    mutating func compile() throws {
        for vi in graph.inputs where graph.initializers[vi.name] == nil {
            let b = arena.allocate(bytes: vi.shape.reduce(1, *) * 4)
            floats[vi.name] = FloatValue(buffer: b, shape: vi.shape)
            executor.inputBindings.append((vi.name, vi.shape, b))
        }
        for node in graph.nodes where !absorbed.contains(node.name) {
            try lower(node)
        }
        executor.int8Values = int8
        for o in graph.outputs {
            if let f = floats[o.name] {
                executor.outputBindings.append((o.name, Int8Slot(source: .float(f))))
                executor.device.blockers.append("output \(o.name) is a float value (the device returns int8 only)")
            } else if let src = dqOf[o.name], let q = int8[src] {
                executor.outputBindings.append((o.name, Int8Slot(source: .int8(q))))
                executor.device.output = .init(buffer: q.buffer, shape: q.shape, scale: q.scale, zeroPoint: q.zeroPoint)
                executor.plan.append("output \(o.name): dequantized from int8 \(src)")
            } else if let q = int8[o.name] {
                executor.outputBindings.append((o.name, Int8Slot(source: .rawInt8(q))))
                executor.device.output = .init(buffer: q.buffer, shape: q.shape, scale: q.scale, zeroPoint: q.zeroPoint)
            } else {
                throw Int8ExecutorError("graph output \"\(o.name)\" is not produced by any node")
            }
        }
    }

    // MARK: - Parameters

    func scalar(_ name: String, in node: Node) throws -> Float {
        guard let t = graph.initializers[name], t.elementCount == 1 else {
            throw Int8ExecutorError("node \(node.name): scale \"\(name)\" must be a one-element initializer")
        }
        return t.floatValues()[0]
    }

    /// Zero point in the int8 domain (uint8 values shift by −128; an absent zero point is uint8 0).
    func zeroPoints(_ name: String?, count: Int) throws -> [Int32] {
        guard let name, !name.isEmpty else { return Array(repeating: -128, count: count) }
        guard let t = graph.initializers[name] else { throw Int8ExecutorError("zero point \"\(name)\" must be an initializer") }
        let shift: Int32 = t.dtype == .uint8 ? -128 : 0
        let v = t.doubleValues().map { Int32($0) + shift }
        return v.count == 1 ? Array(repeating: v[0], count: count) : v
    }

    func quantizeParameters(_ q: Node) throws -> (scale: Float, zeroPoint: Int32) {
        (try scalar(q.inputs[1], in: q), try zeroPoints(q.inputs.count > 2 ? q.inputs[2] : nil, count: 1)[0])
    }

    /// The int8 value behind a dequantized input, if any.
    func int8Input(_ name: String) -> Int8Value? {
        if let src = dqOf[name] { return int8[src] }
        return nil
    }

    /// The QuantizeLinear that alone consumes `value` (optionally through one Relu).
    func quantizeConsumer(of value: String) -> (q: Node, relu: Node?)? {
        guard !outputNames.contains(value), let cs = consumers[value], cs.count == 1 else { return nil }
        let c = cs[0]
        if case .quantizeLinear = c.op, c.inputs[0] == value { return (c, nil) }
        if case .relu = c.op, !outputNames.contains(c.outputs[0]), let next = consumers[c.outputs[0]], next.count == 1,
           case .quantizeLinear = next[0].op {
            return (next[0], c)
        }
        return nil
    }

    mutating func newInt8(_ name: String, shape: [Int], scale: Float, zeroPoint: Int32) -> Int8Value {
        let v = Int8Value(buffer: arena.allocate(bytes: shape.reduce(1, *)), shape: shape, scale: scale, zeroPoint: zeroPoint)
        int8[name] = v
        return v
    }

    // MARK: - Lowering

    mutating func lower(_ node: Node) throws {
        switch node.op {
        case .quantizeLinear: try lowerQuantize(node)
        case .dequantizeLinear(let axis): try lowerDequantize(node, axis: axis)
        case .conv(let a):
            if try !lowerConv(node, a) { try fallback(node) }
        case .qLinearConv(let a): try lowerQLinearConv(node, a)
        case .gemm:
            if try !lowerGemm(node) { try fallbackGemm(node) }
        case .maxPool, .avgPool, .adaptiveAvgPool, .globalAvgPool, .reduceMean:
            if try !lowerPool(node) { try fallback(node) }
        case .reshape, .flatten, .squeeze, .unsqueeze, .identity, .dropout:
            if let x = int8Input(node.inputs[0]) {
                let shape = try Int8Shapes.reshaped(node, input: x.shape)
                let viewName = node.outputs[0] + "#int8"
                int8[viewName] = Int8Value(buffer: x.buffer, shape: shape, scale: x.scale, zeroPoint: x.zeroPoint)
                dqOf[node.outputs[0]] = viewName
                executor.plan.append("\(node.op.name) \(node.name): int8 view \(x.shape) → \(shape)")
            } else {
                try fallback(node)
            }
        case .tanh, .sigmoid, .elu, .relu, .clip:
            if try !lowerLookup(node) { try fallback(node) }
        case .slice(let starts, let ends, let axes, let steps):
            if let x = int8Input(node.inputs[0]) {
                let shape = Int8Slice.shape(input: x.shape, starts: starts, ends: ends, axes: axes, steps: steps)
                let y = newInt8(node.outputs[0] + "#int8", shape: shape, scale: x.scale, zeroPoint: x.zeroPoint)
                let (offset, strides) = Int8Slice.layout(input: x.shape, output: shape, starts: starts, axes: axes, steps: steps)
                let (xp, yp) = (UnsafePointer(arena.int8(x.buffer)), arena.int8(y.buffer))
                executor.steps.append { Int8Slice.gather(xp, offset: offset, strides: strides, shape: shape, into: yp) }
                try appendDeviceGather("Slice \(node.name)", x: x, y: y, offset: offset, strides: strides)
                dqOf[node.outputs[0]] = node.outputs[0] + "#int8"
                executor.plan.append("Slice \(node.name): int8 gather \(x.shape) → \(shape)")
            } else {
                try fallback(node)
            }
        case .gather(let axis, let indices):
            if let x = int8Input(node.inputs[0]) {
                let l = FP32Layout.gatherLayout(input: x.shape, axis: axis, indices: indices)
                var shape = x.shape
                shape[axis < 0 ? axis + shape.count : axis] = indices.count
                let y = newInt8(node.outputs[0] + "#int8", shape: shape, scale: x.scale, zeroPoint: x.zeroPoint)
                let (xp, yp) = (UnsafePointer(arena.int8(x.buffer)), arena.int8(y.buffer))
                executor.steps.append { FP32Layout.gather(xp, outer: l.outer, axisLength: l.axisLength, inner: l.inner, indices: l.indices, y: yp) }
                // The device's gather reads strided views; arbitrary indices are not one.
                executor.device.blockers.append("Gather \(node.name): arbitrary indices (the device gathers strided views only)")
                dqOf[node.outputs[0]] = node.outputs[0] + "#int8"
                executor.plan.append("Gather \(node.name): int8 gather \(x.shape) → \(shape)")
            } else {
                try fallback(node)
            }
        case .transpose(let perm):
            try lowerTranspose(node, perm: perm)
        default:
            try fallback(node)
        }
    }

    /// The device's gather op, or a blocker when the tensor has more axes than its record holds.
    mutating func appendDeviceGather(_ label: String, x: Int8Value, y: Int8Value, offset: Int, strides: [Int]) throws {
        guard y.shape.count <= Int8Gather.rank else {
            executor.device.blockers.append("\(label): \(y.shape.count) axes (the device gathers up to \(Int8Gather.rank))")
            return
        }
        executor.device.append(label, .gather(inputBytes: x.count, offset: offset, shape: y.shape, strides: strides), input: x, output: y)
    }

    /// Transpose as a strided gather: on int8 values (the scale and zero point carry over, as
    /// ORT's QDQ Transpose shares them), or on floats when its input is float (a graph input
    /// ORT left unquantized).
    mutating func lowerTranspose(_ node: Node, perm: [Int]) throws {
        if let x = int8Input(node.inputs[0]) {
            let (shape, strides) = Int8Slice.transposeLayout(input: x.shape, perm: perm)
            let y = newInt8(node.outputs[0] + "#int8", shape: shape, scale: x.scale, zeroPoint: x.zeroPoint)
            let (xp, yp) = (UnsafePointer(arena.int8(x.buffer)), arena.int8(y.buffer))
            executor.steps.append { Int8Slice.gather(xp, offset: 0, strides: strides, shape: shape, into: yp) }
            try appendDeviceGather("Transpose \(node.name)", x: x, y: y, offset: 0, strides: strides)
            dqOf[node.outputs[0]] = node.outputs[0] + "#int8"
            executor.plan.append("Transpose \(node.name): int8 gather \(x.shape) → \(shape)")
            return
        }
        let x = try materializeFloat(node.inputs[0], for: node)
        let (shape, strides) = Int8Slice.transposeLayout(input: x.shape, perm: perm)
        let y = FloatValue(buffer: arena.allocate(bytes: shape.reduce(1, *) * 4), shape: shape)
        let (xp, yp) = (UnsafePointer(arena.float(x.buffer)), arena.float(y.buffer))
        floats[node.outputs[0]] = y
        executor.steps.append { Int8Slice.gather(xp, offset: 0, strides: strides, shape: shape, into: yp) }
        executor.device.blockers.append("Transpose \(node.name): runs on a float value on the host")
        executor.plan.append("Transpose \(node.name): float gather \(x.shape) → \(shape)")
    }


    mutating func lowerQuantize(_ node: Node) throws {
        let out = node.outputs[0]
        if node.inputs.count > 2, let zpT = graph.initializers[node.inputs[2]], zpT.dtype == .int16 || zpT.dtype == .uint16 {
            guard let readers = consumers[out], !readers.isEmpty,
                  readers.allSatisfy({ if case .dequantizeLinear = $0.op { return $0.inputs[0] == out }; return false }),
                  !outputNames.contains(out) else {
                throw Int8ExecutorError("node \(node.name): a 16-bit QuantizeLinear must be read by DequantizeLinear nodes only")
            }
            let x = try materializeFloat(node.inputs[0], for: node)
            let params = QuantParameters(scale: try scalar(node.inputs[1], in: node), zeroPoint: Int32(zpT.doubleValues()[0]))
            sixteenBit[out] = (x, params, QuantRange.of(zpT.dtype))
            executor.device.blockers.append("QuantizeLinear \(node.name): 16-bit activations run on the host's float path")
            return
        }
        let (scale, zp) = try quantizeParameters(node)
        if let x = int8Input(node.inputs[0]) {
            if x.scale == scale && x.zeroPoint == zp {
                int8[out] = x
                executor.plan.append("QuantizeLinear \(node.name): int8 pass-through (same scale/zero point)")
            } else {
                // The requantize depends on the int8 value only: a table, as for activations.
                let y = newInt8(out, shape: x.shape, scale: scale, zeroPoint: zp)
                let (xp, yp, n) = (UnsafePointer(arena.int8(x.buffer)), arena.int8(y.buffer), x.count)
                var table = [Int8](repeating: 0, count: 256)
                table.withUnsafeMutableBufferPointer { t in
                    Int8Lookup.fill(t.baseAddress!) { Int8Quantize.quantize(Int8Quantize.dequantize($0, scale: x.scale, zeroPoint: x.zeroPoint),
                                                                            scale: scale, zeroPoint: zp) }
                }
                executor.steps.append {
                    table.withUnsafeBufferPointer { Int8Lookup.apply(table: $0.baseAddress!, input: xp, output: yp, count: n) }
                }
                executor.device.append("QuantizeLinear \(node.name)", .lookup(count: n, table: table), input: x, output: y)
                executor.plan.append("QuantizeLinear \(node.name): int8 requantize \(x.scale)→\(scale)")
            }
            return
        }
        let x = try materializeFloat(node.inputs[0], for: node)
        let y = newInt8(out, shape: x.shape, scale: scale, zeroPoint: zp)
        let (xp, yp, n) = (arena.float(x.buffer), arena.int8(y.buffer), x.count)
        executor.steps.append { Int8Quantize.quantize(xp, count: n, scales: [scale], zeroPoints: [zp], into: yp) }
        if executor.inputBindings.contains(where: { $0.name == node.inputs[0] }), executor.device.input == nil {
            executor.device.input = .init(buffer: y.buffer, shape: y.shape, scale: scale, zeroPoint: zp)
        } else {
            executor.device.blockers.append("QuantizeLinear \(node.name): quantizes a float value computed on the host")
        }
        executor.plan.append("QuantizeLinear \(node.name): quantize float → int8 (scale \(scale), zp \(zp))")
    }

    mutating func lowerDequantize(_ node: Node, axis: Int) throws {
        let src = node.inputs[0], out = node.outputs[0]
        if let q = graph.initializers[src] {
            let scaleT = graph.initializers[node.inputs[1]]
            guard let scaleT else { throw Int8ExecutorError("node \(node.name): scale must be an initializer") }
            let scales = scaleT.floatValues()
            let zps = try zeroPoints(node.inputs.count > 2 ? node.inputs[2] : nil, count: scales.count)
            // int32 (bias) and int8 constants keep their raw values; uint8 shifts like activations.
            let shift: Int32 = q.dtype == .uint8 ? -128 : 0
            let raw = q.doubleValues().map { Int32($0) + shift }
            let rank = q.rank, ax = axis < 0 ? axis + rank : axis
            let inner = scales.count == 1 ? 1 : q.shape[(ax + 1)...].reduce(1, *)
            let values: [Float] = raw.enumerated().map { i, v in
                let c = scales.count == 1 ? 0 : (i / inner) % scales.count
                return Float(v - (q.dtype == .int32 ? 0 : zps[c])) * scales[c]
            }
            constants[out] = Tensor(shape: q.shape, scalars: values)
            constantDQ[out] = (q, scales, q.dtype == .int32 ? Array(repeating: 0, count: scales.count) : zps, ax)
            return
        }
        if let q = sixteenBit[src] {
            // QuantizeLinear → DequantizeLinear at 16 bits: the same rounding as the fake-quant
            // executor, in float (no int16 kernels: ORT's CPU provider runs these in float too).
            let y = FloatValue(buffer: arena.allocate(bytes: q.x.count * 4), shape: q.x.shape)
            let (xp, yp, n, p, r) = (UnsafePointer(arena.float(q.x.buffer)), arena.float(y.buffer), q.x.count, q.params, q.range)
            executor.steps.append { for i in 0..<n { yp[i] = QuantizationMath.fakeQuantize(xp[i], p, r) } }
            floats[out] = y
            executor.plan.append("DequantizeLinear \(node.name): int16 rounding in float (scale \(p.scale), zp \(p.zeroPoint)); float fallback")
            return
        }
        guard int8[src] != nil else {
            throw Int8ExecutorError("node \(node.name): DequantizeLinear input \"\(src)\" is neither an initializer nor a quantized value")
        }
        dqOf[out] = src
    }

    /// The float form of `name`, emitting a dequantize step (once) or a constant buffer if needed.
    mutating func materializeFloat(_ name: String, for node: Node) throws -> FloatValue {
        if let f = floats[name] { return f }
        if let src = dqOf[name], let q = int8[src] {
            let f = FloatValue(buffer: arena.allocate(bytes: q.count * 4), shape: q.shape)
            let (xp, yp, n) = (arena.int8(q.buffer), arena.float(f.buffer), q.count)
            executor.steps.append { Int8Quantize.dequantize(xp, count: n, scales: [q.scale], zeroPoints: [q.zeroPoint], into: yp) }
            executor.plan.append("DequantizeLinear of \(src): int8 → float for \(node.name)")
            floats[name] = f
            return f
        }
        if let c = constants[name] {
            let f = FloatValue(buffer: arena.allocate(bytes: c.elementCount * 4), shape: c.shape)
            c.withUnsafeBufferPointer(of: Float.self) { arena.float(f.buffer).update(from: $0.baseAddress!, count: $0.count) }
            floats[name] = f
            return f
        }
        throw Int8ExecutorError("node \(node.name): input \"\(name)\" is not available (unsupported producer or missing initializer)")
    }
}
