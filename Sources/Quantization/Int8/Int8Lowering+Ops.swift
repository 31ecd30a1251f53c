import Int8Runtime
import Kernels
import NN
import TensorCore

extension Int8Lowering {
    /// DQ → Conv → [Relu →] Q as one int8 convolution. Returns false when the pattern does not hold.
    mutating func lowerConv(_ node: Node, _ a: ConvAttributes) throws -> Bool {
        guard let x = int8Input(node.inputs[0]), let wq = constantDQ[node.inputs[1]], wq.q.dtype == .int8,
              wq.zeroPoints.allSatisfy({ $0 == 0 }), let (q, relu) = quantizeConsumer(of: node.outputs[0]) else { return false }
        let (ys, yzp) = try quantizeParameters(q)
        let cout = wq.q.shape[0]
        var bias: [Int32]? = nil
        if node.inputs.count > 2, !node.inputs[2].isEmpty {
            if let bq = constantDQ[node.inputs[2]], bq.q.dtype == .int32 {
                bias = bq.q.scalars(as: Int32.self)
            } else if let bf = constants[node.inputs[2]] {
                // A float bias is quantized as ORT does: round(b / (xScale·wScale[c])).
                let ws = wq.scales.count == 1 ? Array(repeating: wq.scales[0], count: cout) : wq.scales
                bias = bf.floatValues().enumerated().map { c, b in Int32((Double(b) / Double(x.scale * ws[c])).rounded(.toNearestOrEven)) }
            } else { return false }
        }
        return try emitConv(node, a, x: x, weights: wq.q, weightScales: wq.scales, bias: bias,
                            ys: ys, yzp: yzp, output: q.outputs[0], relu: relu != nil,
                            label: "Conv \(node.name)", absorbed: [q.name] + (relu.map { [$0.name] } ?? []))
    }

    /// ONNX QLinearConv: int8 in, int8 out.
    mutating func lowerQLinearConv(_ node: Node, _ a: ConvAttributes) throws {
        let i = node.inputs
        guard let x = int8[i[0]], let w = graph.initializers[i[3]], w.dtype == .int8 else {
            throw Int8ExecutorError("node \(node.name): QLinearConv needs a quantized input and int8 weight initializer")
        }
        let xs = try scalar(i[1], in: node), xzp = try zeroPoints(i[2], count: 1)[0]
        guard xs == x.scale && xzp == x.zeroPoint else {
            throw Int8ExecutorError("node \(node.name): QLinearConv input parameters differ from its producer's")
        }
        guard let wsT = graph.initializers[i[4]] else { throw Int8ExecutorError("node \(node.name): weight scale must be an initializer") }
        guard try zeroPoints(i[5], count: 1).allSatisfy({ $0 == 0 }) || graph.initializers[i[5]]?.doubleValues().allSatisfy({ $0 == 0 }) == true else {
            throw Int8ExecutorError("node \(node.name): only symmetric (zero point 0) int8 weights are supported")
        }
        let ys = try scalar(i[6], in: node), yzp = try zeroPoints(i[7], count: 1)[0]
        let bias = i.count > 8 && !i[8].isEmpty ? graph.initializers[i[8]]?.scalars(as: Int32.self) : nil
        _ = try emitConv(node, a, x: x, weights: w, weightScales: wsT.floatValues(), bias: bias, ys: ys, yzp: yzp,
                         output: node.outputs[0], relu: false, label: "QLinearConv \(node.name)", absorbed: [])
    }

    mutating func emitConv(_ node: Node, _ a: ConvAttributes, x: Int8Value, weights: Tensor, weightScales: [Float],
                           bias: [Int32]?, ys: Float, yzp: Int32, output: String, relu: Bool, label: String,
                           absorbed names: [String]) throws -> Bool {
        let cout = weights.shape[0]
        guard x.shape.count == a.kernel.count + 2, x.shape[1] == weights.shape[1] * a.groups else {
            throw Int8ExecutorError("\(label): input \(x.shape) does not fit weights \(weights.shape) with \(a.groups) groups")
        }
        let shape = Int8ConvShape(batch: x.shape[0], inChannels: x.shape[1], outChannels: cout, input: Array(x.shape[2...]),
                                  kernel: a.kernel, stride: a.stride, padsBegin: a.padsBegin, padsEnd: a.padsEnd,
                                  dilation: a.dilation, groups: a.groups)
        let rq = Int8Requantization(inputScale: x.scale, weightScales: weightScales, outputScale: ys, outputZeroPoint: yzp,
                                    channels: cout, bias: bias, fusedReLU: relu)
        let conv = Int8Convolution(shape: shape, weights: weights.scalars(as: Int8.self), requantization: rq,
                                   path: executor.path, threads: executor.threads)
        let outShape = [shape.batch, cout] + Array(shape.output[(3 - a.kernel.count)...])
        let y = newInt8(output, shape: outShape, scale: ys, zeroPoint: yzp)
        let (xp, yp, xzp) = (UnsafePointer(arena.int8(x.buffer)), arena.int8(y.buffer), x.zeroPoint)
        executor.kernels.append(conv)
        executor.steps.append { conv.run(input: xp, xZeroPoint: xzp, output: yp) }
        let g = Int8DeviceConv.Geometry(batch: shape.batch, inChannels: shape.inChannels, outChannels: cout, groups: shape.groups,
                                        input: (shape.input[0], shape.input[1], shape.input[2]),
                                        kernel: (shape.kernel[0], shape.kernel[1], shape.kernel[2]),
                                        stride: (shape.stride[0], shape.stride[1], shape.stride[2]),
                                        padsBegin: (shape.padsBegin[0], shape.padsBegin[1], shape.padsBegin[2]),
                                        dilation: (shape.dilation[0], shape.dilation[1], shape.dilation[2]),
                                        output: (shape.output[0], shape.output[1], shape.output[2]))
        executor.device.append(label, .conv(geometry: g, xZeroPoint: xzp, weights: weights.scalars(as: Int8.self),
                                            multipliers: rq.multipliers, bias: rq.bias, zeroPoint: yzp, lower: rq.lower, upper: rq.upper),
                               input: x, output: y)
        absorbed.formUnion(names)
        executor.plan.append("\(label): int8 conv\(a.kernel.count)d \(shape.outChannels)×\(shape.reduction) over \(shape.outputPositions) positions [\(executor.path)]"
                             + (relu ? ", ReLU fused" : "") + (names.isEmpty ? "" : ", output Q fused"))
        return true
    }

    /// DQ → pool/mean → Q as int8 pooling. Returns false when the pattern does not hold.
    mutating func lowerPool(_ node: Node) throws -> Bool {
        guard let x = int8Input(node.inputs[0]), let (q, relu) = quantizeConsumer(of: node.outputs[0]), relu == nil else { return false }
        let (ys, yzp) = try quantizeParameters(q)
        let spatial = Array(x.shape[2...])
        let channels = x.shape[0] * x.shape[1]
        let xp = UnsafePointer(arena.int8(x.buffer))
        var attributes: PoolAttributes
        var isMax = false
        switch node.op {
        case .maxPool(let p): attributes = p; isMax = true
        case .avgPool(let p): attributes = p
        case .adaptiveAvgPool(let size):
            guard size.count == spatial.count, zip(spatial, size).allSatisfy({ $1 > 0 && $0 % $1 == 0 }) else { return false }
            let k = zip(spatial, size).map { $0 / $1 }
            attributes = PoolAttributes(kernel: k, stride: k)
        case .globalAvgPool, .reduceMean:
            var axes = Array(2..<x.shape.count), keep = true
            if case .reduceMean(let ax, let kd) = node.op { axes = ax.isEmpty ? Array(x.shape.indices) : ax; keep = kd }
            let outShape = Int8Shapes.reduced(x.shape, axes: axes, keepDims: keep)
            let y = newInt8(q.outputs[0], shape: outShape, scale: ys, zeroPoint: yzp)
            let sums = arena.int32(arena.allocate(bytes: outShape.reduce(1, *) * 4))
            let (yp, shape) = (arena.int8(y.buffer), x.shape)
            executor.steps.append {
                Int8Pooling.mean(shape: shape, axes: axes, input: xp, xScale: x.scale, xZeroPoint: x.zeroPoint,
                                 yScale: ys, yZeroPoint: yzp, output: yp, sums: sums)
            }
            let rank = shape.count
            let reduced = Set(axes.map { $0 < 0 ? $0 + rank : $0 })
            if reduced == Set((rank - reduced.count)..<rank) {
                let count = reduced.reduce(1) { $0 * shape[$1] }
                executor.device.append("\(node.op.name) \(node.name)", .meanTrailing(outputs: x.count / count, count: count, xScale: x.scale,
                                                                                 xZeroPoint: x.zeroPoint, yScale: ys, yZeroPoint: yzp),
                                       input: x, output: y)
            } else {
                executor.device.blockers.append("\(node.op.name) \(node.name): a mean over non-trailing axes \(axes) (the device runs trailing-axis means)")
            }
            absorbed.insert(q.name)
            executor.plan.append("\(node.op.name) \(node.name): int8 mean over axes \(axes), output Q fused")
            return true
        default: return false
        }
        guard attributes.kernel.count == spatial.count, (1...3).contains(spatial.count) else { return false }
        let outSpatial = Int8Shapes.poolOutput(attributes, input: spatial)
        let shape = Int8PoolShape(channels: channels, input: spatial, kernel: attributes.kernel, stride: attributes.stride,
                                  padsBegin: attributes.padsBegin, output: outSpatial)
        let y = newInt8(q.outputs[0], shape: Array(x.shape[..<2]) + outSpatial, scale: ys, zeroPoint: yzp)
        let yp = arena.int8(y.buffer)
        if isMax {
            let same = x.scale == ys && x.zeroPoint == yzp
            executor.steps.append {
                Int8Pooling.max(shape, input: xp, output: yp, requantize: same ? nil : (x.scale, x.zeroPoint, ys, yzp))
            }
            let rescale = same ? nil : Int8Pool.Rescale(xScale: x.scale, xZeroPoint: x.zeroPoint, yScale: ys, yZeroPoint: yzp)
            executor.device.append("\(node.op.name) \(node.name)", .maxPool(shape.geometry, rescale: rescale), input: x, output: y)
        } else {
            let includePad = attributes.countIncludePad
            executor.steps.append {
                Int8Pooling.average(shape, countIncludePad: includePad, input: xp, xScale: x.scale, xZeroPoint: x.zeroPoint,
                                    yScale: ys, yZeroPoint: yzp, output: yp)
            }
            executor.device.append("\(node.op.name) \(node.name)", .averagePool(shape.geometry, countIncludePad: includePad, xScale: x.scale,
                                                                            xZeroPoint: x.zeroPoint, yScale: ys, yZeroPoint: yzp),
                                   input: x, output: y)
        }
        absorbed.insert(q.name)
        executor.plan.append("\(node.op.name) \(node.name): int8 \(isMax ? "max" : "average") pool \(spatial) → \(outSpatial), output Q fused")
        return true
    }

    /// Runs `node` in FP32 on dequantized inputs (its output is quantized by the following Q).
    mutating func fallback(_ node: Node) throws {
        let op = node.op
        let out = node.outputs[0]
        let label = "\(op.name) \(node.name): float fallback (dequantize → FP32 → quantize)"
        executor.device.blockers.append("\(op.name) \(node.name): runs as a float fallback on the host (no int8 kernel)")
        switch op {
        case .relu, .elu, .sigmoid, .tanh, .clip, .identity, .dropout:
            let x = try materializeFloat(node.inputs[0], for: node)
            let y = FloatValue(buffer: arena.allocate(bytes: x.count * 4), shape: x.shape)
            let (xp, yp, n) = (UnsafePointer(arena.float(x.buffer)), arena.float(y.buffer), x.count)
            floats[out] = y
            executor.steps.append { _ = Int8FloatFallback.unary(op, xp, yp, count: n) }
        case .reshape, .flatten, .squeeze, .unsqueeze:
            let x = try materializeFloat(node.inputs[0], for: node)
            floats[out] = FloatValue(buffer: x.buffer, shape: try Int8Shapes.reshaped(node, input: x.shape))
        case .add, .sub, .mul, .div:
            let a = try materializeFloat(node.inputs[0], for: node), b = try materializeFloat(node.inputs[1], for: node)
            guard let shape = ShapeInference.broadcast(a.shape, b.shape) else {
                throw Int8ExecutorError("node \(node.name): shapes \(a.shape) and \(b.shape) do not broadcast")
            }
            let y = FloatValue(buffer: arena.allocate(bytes: shape.reduce(1, *) * 4), shape: shape)
            let (ap, bp, yp) = (UnsafePointer(arena.float(a.buffer)), UnsafePointer(arena.float(b.buffer)), arena.float(y.buffer))
            // The FP32 executor's broadcasting loop (row at a time), not a second copy.
            let (sa, sb) = (FP32Layout.broadcastStrides(a.shape, to: shape), FP32Layout.broadcastStrides(b.shape, to: shape))
            let binary: FP32Layout.Binary = switch op {
            case .add: .add
            case .sub: .sub
            case .mul: .mul
            default: .div
            }
            floats[out] = y
            executor.steps.append { FP32Layout.binary(binary, a: ap, aStrides: sa, b: bp, bStrides: sb, y: yp, shape: shape) }
        case .conv(let c):
            let x = try materializeFloat(node.inputs[0], for: node)
            guard let w = constants[node.inputs[1]] else { throw Int8ExecutorError("node \(node.name): conv weight must be a constant") }
            let bias = node.inputs.count > 2 && !node.inputs[2].isEmpty ? constants[node.inputs[2]]?.floatValues() : nil
            let s = Int8ConvShape(batch: x.shape[0], inChannels: x.shape[1], outChannels: w.shape[0], input: Array(x.shape[2...]),
                                  kernel: c.kernel, stride: c.stride, padsBegin: c.padsBegin, padsEnd: c.padsEnd,
                                  dilation: c.dilation, groups: c.groups)
            let shape = [s.batch, s.outChannels] + Array(s.output[(3 - c.kernel.count)...])
            let y = FloatValue(buffer: arena.allocate(bytes: shape.reduce(1, *) * 4), shape: shape)
            let (xp, yp) = (UnsafePointer(arena.float(x.buffer)), arena.float(y.buffer))
            floats[out] = y
            // A float convolution in a QDQ graph (a layer left unquantized, e.g. by --exclude or
            // --auto-exclude) runs on the FP32 executor's kernels, so it costs what it costs in FP32.
            let geometry = ConvGeometry(batch: s.batch, inChannels: s.inChannels, outChannels: s.outChannels, groups: s.groups,
                                        inputSpatial: Array(x.shape[2...]), kernel: c.kernel, stride: c.stride,
                                        padsBegin: c.padsBegin, padsEnd: c.padsEnd, dilation: c.dilation)
            let kernel = FP32ConvKernel(geometry, weight: w.floatValues())
            let threads = executor.threads
            let scratch = arena.float(arena.allocate(bytes: max(1, FP32ConvKernel.scratchFloats(geometry, threads: threads)) * 4))
            executor.kernels.append(kernel)
            executor.steps.append {
                if let bias {
                    bias.withUnsafeBufferPointer { kernel.run(x: xp, bias: $0.baseAddress!, y: yp, scratch: scratch, threads: threads) }
                } else {
                    kernel.run(x: xp, bias: nil, y: yp, scratch: scratch, threads: threads)
                }
            }
        case .batchNorm(let eps):
            let x = try materializeFloat(node.inputs[0], for: node)
            let p = try node.inputs[1...4].map { name -> [Float] in
                guard let c = constants[name] else { throw Int8ExecutorError("node \(node.name): \(name) must be a constant") }
                return c.floatValues()
            }
            // Inference form folded to y = x·a + b per channel (axis 1).
            let a = (0..<p[0].count).map { p[0][$0] / (p[3][$0] + eps).squareRoot() }
            let bias = (0..<p[0].count).map { p[1][$0] - p[2][$0] * a[$0] }
            let y = FloatValue(buffer: arena.allocate(bytes: x.count * 4), shape: x.shape)
            let (xp, yp, channels) = (UnsafePointer(arena.float(x.buffer)), arena.float(y.buffer), x.shape[1])
            let inner = x.shape[2...].reduce(1, *), outer = x.shape[0]
            floats[out] = y
            executor.steps.append {
                for n in 0..<outer { for c in 0..<channels {
                    let base = (n * channels + c) * inner
                    for i in 0..<inner { yp[base + i] = xp[base + i] * a[c] + bias[c] }
                } }
            }
        case .maxPool, .avgPool, .adaptiveAvgPool, .globalAvgPool, .reduceMean:
            let x = try materializeFloat(node.inputs[0], for: node)
            let spatial = Array(x.shape[2...])
            var attributes: PoolAttributes
            var isMax = false
            var droppedAxes = Set<Int>()   // ReduceMean with keepdims 0: same values, the reduced axes left out of the shape
            switch op {
            case .maxPool(let p): attributes = p; isMax = true
            case .avgPool(let p): attributes = p
            case .adaptiveAvgPool(let size) where size.count == spatial.count && zip(spatial, size).allSatisfy({ $1 > 0 && $0 % $1 == 0 }):
                let k = zip(spatial, size).map { $0 / $1 }
                attributes = PoolAttributes(kernel: k, stride: k)
            case .globalAvgPool where (1...3).contains(spatial.count):
                attributes = PoolAttributes(kernel: spatial, stride: spatial)
            case .reduceMean(let axes, let keep) where (1...3).contains(spatial.count)
                && Set(axes.map { $0 < 0 ? $0 + x.shape.count : $0 }).isSubset(of: Set(2..<x.shape.count)):
                let set = Set(axes.map { $0 < 0 ? $0 + x.shape.count : $0 })
                let k = spatial.enumerated().map { set.contains($0.offset + 2) ? $0.element : 1 }
                attributes = PoolAttributes(kernel: k, stride: k)
                if !keep { droppedAxes = set }
            default:
                throw Int8ExecutorError("node \(node.name): \(op.name) with these attributes is not supported by the int8 executor")
            }
            let outSpatial = Int8Shapes.poolOutput(attributes, input: spatial)
            let shape = Int8PoolShape(channels: x.shape[0] * x.shape[1], input: spatial, kernel: attributes.kernel,
                                      stride: attributes.stride, padsBegin: attributes.padsBegin, output: outSpatial)
            let outShape = (Array(x.shape[..<2]) + outSpatial).enumerated().filter { !droppedAxes.contains($0.offset) }.map(\.element)
            let y = FloatValue(buffer: arena.allocate(bytes: outShape.reduce(1, *) * 4), shape: outShape)
            let (xp, yp, include) = (UnsafePointer(arena.float(x.buffer)), arena.float(y.buffer), attributes.countIncludePad)
            floats[out] = y
            executor.steps.append { Int8FloatFallback.pool(shape, isMax: isMax, countIncludePad: include, x: xp, y: yp) }
        case .convTranspose(let t):
            let x = try materializeFloat(node.inputs[0], for: node)
            guard let w = constants[node.inputs[1]] else { throw Int8ExecutorError("node \(node.name): weight must be a constant") }
            let bias = node.inputs.count > 2 && !node.inputs[2].isEmpty ? constants[node.inputs[2]]?.floatValues() : nil
            let shape = [x.shape[0], w.shape[1] * t.conv.groups] + Int8FloatFallback.convTransposeOutput(t, input: Array(x.shape[2...]))
            let y = FloatValue(buffer: arena.allocate(bytes: shape.reduce(1, *) * 4), shape: shape)
            let (xp, yp, wv, inShape) = (UnsafePointer(arena.float(x.buffer)), arena.float(y.buffer), w.floatValues(), x.shape)
            let scratch = Int8FloatFallback.convTransposeScratch(t, inShape: inShape, outChannels: shape[1])
            let columns = arena.float(arena.allocate(bytes: scratch * 4))
            floats[out] = y
            executor.steps.append {
                Int8FloatFallback.convTranspose(t, inShape: inShape, outShape: shape, x: xp, w: wv, bias: bias, y: yp,
                                                columns: columns)
            }
        case .instanceNorm(let eps):
            let x = try materializeFloat(node.inputs[0], for: node)
            guard x.shape.count >= 3 else { throw Int8ExecutorError("node \(node.name): InstanceNormalization needs N, C and spatial axes, got \(x.shape)") }
            func channelConstant(_ i: Int) throws -> [Float]? {
                guard i < node.inputs.count, !node.inputs[i].isEmpty else { return nil }
                guard let c = constants[node.inputs[i]] else { throw Int8ExecutorError("node \(node.name): \(node.inputs[i]) must be a constant") }
                return c.floatValues()
            }
            let (scale, bias) = (try channelConstant(1), try channelConstant(2))
            let y = FloatValue(buffer: arena.allocate(bytes: x.count * 4), shape: x.shape)
            let (xp, yp) = (UnsafePointer(arena.float(x.buffer)), arena.float(y.buffer))
            let (batch, channels, volume) = (x.shape[0], x.shape[1], x.shape[2...].reduce(1, *))
            floats[out] = y
            executor.steps.append {
                FP32Norm.instanceNorm(x: xp, y: yp, batch: batch, channels: channels, volume: volume, scale: scale,
                                      bias: bias, epsilon: eps)
            }
        case .matMul:
            let (a, b) = (try materializeFloat(node.inputs[0], for: node), try materializeFloat(node.inputs[1], for: node))
            guard let shape = FP32MatMul.shape(a.shape, b.shape) else { throw Int8ExecutorError("node \(node.name): MatMul of \(a.shape) and \(b.shape)") }
            let y = FloatValue(buffer: arena.allocate(bytes: shape.reduce(1, *) * 4), shape: shape)
            let (ap, bp, yp) = (UnsafePointer(arena.float(a.buffer)), UnsafePointer(arena.float(b.buffer)), arena.float(y.buffer))
            floats[out] = y
            executor.steps.append { FP32MatMul.run(ap, a.shape, bp, b.shape, yp) }
        case .softmax(let axis):
            let x = try materializeFloat(node.inputs[0], for: node)
            let l = FP32Softmax.layout(x.shape, axis: axis)
            let y = FloatValue(buffer: arena.allocate(bytes: x.count * 4), shape: x.shape)
            let (xp, yp) = (UnsafePointer(arena.float(x.buffer)), arena.float(y.buffer))
            floats[out] = y
            executor.steps.append { FP32Softmax.softmax(xp, yp, outer: l.outer, axisLength: l.axisLength, inner: l.inner) }
        case .layerNorm(let axis, let eps):
            let x = try materializeFloat(node.inputs[0], for: node)
            func constant(_ i: Int) throws -> [Float]? {
                guard i < node.inputs.count, !node.inputs[i].isEmpty else { return nil }
                guard let c = constants[node.inputs[i]] else { throw Int8ExecutorError("node \(node.name): \(node.inputs[i]) must be a constant") }
                return c.floatValues()
            }
            guard let scale = try constant(1) else { throw Int8ExecutorError("node \(node.name): LayerNormalization needs a scale") }
            let bias = try constant(2)
            let (rows, columns) = FP32Norm.layerNormShape(x.shape, axis: axis)
            let y = FloatValue(buffer: arena.allocate(bytes: x.count * 4), shape: x.shape)
            let (xp, yp) = (UnsafePointer(arena.float(x.buffer)), arena.float(y.buffer))
            floats[out] = y
            executor.steps.append {
                FP32Norm.layerNorm(x: xp, y: yp, rows: rows, columns: columns, scale: scale, bias: bias, epsilon: eps)
            }
        case .concat(let axis0):
            let xs = try node.inputs.map { try materializeFloat($0, for: node) }
            let rank = xs[0].shape.count, axis = axis0 < 0 ? axis0 + rank : axis0
            guard xs.allSatisfy({ $0.shape.count == rank && Array($0.shape[..<axis]) == Array(xs[0].shape[..<axis])
                                  && Array($0.shape[(axis + 1)...]) == Array(xs[0].shape[(axis + 1)...]) }) else {
                throw Int8ExecutorError("node \(node.name): Concat inputs \(xs.map(\.shape)) differ off axis \(axis)")
            }
            var shape = xs[0].shape
            shape[axis] = xs.reduce(0) { $0 + $1.shape[axis] }
            let y = FloatValue(buffer: arena.allocate(bytes: shape.reduce(1, *) * 4), shape: shape)
            let parts = xs.map { (UnsafePointer(arena.float($0.buffer)), $0.shape) }
            let yp = arena.float(y.buffer)
            floats[out] = y
            executor.steps.append { Int8FloatFallback.concat(parts, axis: axis, into: yp) }
        case .slice(let starts, let ends, let axes, let steps):
            let x = try materializeFloat(node.inputs[0], for: node)
            let shape = Int8Slice.shape(input: x.shape, starts: starts, ends: ends, axes: axes, steps: steps)
            let (offset, strides) = Int8Slice.layout(input: x.shape, output: shape, starts: starts, axes: axes, steps: steps)
            let y = FloatValue(buffer: arena.allocate(bytes: shape.reduce(1, *) * 4), shape: shape)
            let (xp, yp) = (UnsafePointer(arena.float(x.buffer)), arena.float(y.buffer))
            floats[out] = y
            executor.steps.append { Int8Slice.gather(xp, offset: offset, strides: strides, shape: shape, into: yp) }
        case .gather(let axis, let indices):
            let x = try materializeFloat(node.inputs[0], for: node)
            let l = FP32Layout.gatherLayout(input: x.shape, axis: axis, indices: indices)
            var shape = x.shape
            shape[axis < 0 ? axis + shape.count : axis] = indices.count
            let y = FloatValue(buffer: arena.allocate(bytes: shape.reduce(1, *) * 4), shape: shape)
            let (xp, yp) = (UnsafePointer(arena.float(x.buffer)), arena.float(y.buffer))
            floats[out] = y
            executor.steps.append { FP32Layout.gather(xp, outer: l.outer, axisLength: l.axisLength, inner: l.inner, indices: l.indices, y: yp) }
        default:
            throw Int8ExecutorError("node \(node.name): \(op.name) is not supported by the int8 executor (neither as an int8 kernel nor as a float fallback)")
        }
        executor.plan.append(label)
    }
}
