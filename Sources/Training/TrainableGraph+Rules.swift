import NN
import TensorCore

/// The forward and backward rule of each op the zoo models use.
extension TrainableGraph {
    func runForward(index: Int, node: Node, training: Bool) throws -> [Activation] {
        let x = try value(node.inputs[0])
        var y: Activation
        switch node.op {
        case .conv(let a):
            let w = try value(node.inputs[1])
            let plan = try ConvolutionGradients.convPlan(x: x.shape, w: w.shape, a)
            y = ConvolutionGradients.convForward(x, w, try optionalInput(node, 2), plan, threads: threads, scratch: scratch)
        case .convTranspose(let t):
            let w = try value(node.inputs[1])
            let plan = try ConvolutionGradients.transposePlan(x: x.shape, w: w.shape, t)
            y = ConvolutionGradients.transposeForward(x, w, try optionalInput(node, 2), plan, threads: threads, scratch: scratch)
        case .batchNorm(let eps):
            y = try batchNormForward(index: index, node: node, x: x, epsilon: eps, training: training)
        case .softmax(let axis):
            y = SoftmaxGradients.forward(x, axis: axis)
        case .matMul:
            y = try MatMulGradients.forward(x, try value(node.inputs[1]))
        case .layerNorm(let axis, let eps):
            let (out, saved) = LayerNormGradients.forward(x, axis: axis, scale: try value(node.inputs[1]).data,
                                                          bias: try optionalInput(node, 2)?.data, epsilon: eps)
            savedNormalization[index] = saved
            y = out
        case .instanceNorm(let eps):
            let c = x.shape[1]
            let scale = try optionalInput(node, 1)?.data ?? [Float](repeating: 1, count: c)
            let bias = try optionalInput(node, 2)?.data ?? [Float](repeating: 0, count: c)
            let s = NormalizationGradients.instanceStatistics(x)
            let (out, xhat, inv) = NormalizationGradients.normalize(x, mean: s.mean, variance: s.variance, scale: scale,
                                                                   bias: bias, epsilon: eps, perSample: true, threads: threads)
            savedNormalization[index] = .init(normalized: xhat, invStd: inv, perSampleGroups: true, batchStatistics: true)
            y = out
        case .maxPool(let a):
            let (out, arg): (Activation, [Int32])
            if let g = PoolingGradients.tiling(x.shape, a) {
                (out, arg) = PoolingGradients.tileMaxForward(x, g, rank: a.kernel.count)
            } else {
                let w = try PoolingGradients.windows(xShape: x.shape, a)
                (out, arg) = PoolingGradients.maxForward(x, w, outShape: Array(x.shape[..<2]) + Array(w.output.suffix(a.kernel.count)))
            }
            savedArgmax[index] = arg
            y = out
        case .avgPool(let a):
            if let g = PoolingGradients.tiling(x.shape, a) {
                y = PoolingGradients.tileAverageForward(x, g, rank: a.kernel.count)
            } else {
                let w = try PoolingGradients.windows(xShape: x.shape, a)
                y = PoolingGradients.averageForward(x, w, outShape: Array(x.shape[..<2]) + Array(w.output.suffix(a.kernel.count)))
            }
        case .adaptiveAvgPool(let size):
            let w = try PoolingGradients.adaptiveWindows(xShape: x.shape, outputSize: size)
            y = PoolingGradients.averageForward(x, w, outShape: Array(x.shape[..<2]) + size)
        case .globalAvgPool:
            y = ElementwiseGradients.reduceMean(x, axes: Array(2..<x.shape.count), keepDims: true)
        case .relu: y = ElementwiseGradients.relu(x, threads: threads)
        case .elu(let alpha): y = ElementwiseGradients.elu(x, alpha: alpha, threads: threads)
        case .tanh: y = ElementwiseGradients.tanh(x)
        case .sigmoid: y = ElementwiseGradients.sigmoid(x)
        case .clip(let lo, let hi): y = ElementwiseGradients.clip(x, lo: lo, hi: hi)
        case .add, .sub, .mul, .div:
            y = try ElementwiseGradients.binary(Self.binaryKind(node.op), x, try value(node.inputs[1]))
        case .gemm(let ta, let tb, let alpha, let beta):
            y = try LinearGradients.forward(x, try value(node.inputs[1]), try optionalInput(node, 2), transA: ta, transB: tb,
                                            alpha: alpha, beta: beta)
        case .reduceMean(let axes, let keep):
            y = ElementwiseGradients.reduceMean(x, axes: axes, keepDims: keep)
        case .reshape, .flatten, .squeeze, .unsqueeze, .identity:
            y = Activation(shape: try Self.reshapedShape(node.op, x.shape), data: x.data)
        case .transpose(let perm):
            y = ElementwiseGradients.transpose(x, perm: perm)
        case .dropout(let ratio):
            if training && ratio > 0 {
                let keep = 1 - ratio
                var mask = [Float](repeating: 0, count: x.count)
                for i in 0..<mask.count where generator.nextUnitFloat() < keep { mask[i] = 1 / keep }
                y = ElementwiseGradients.zip(x, Activation(shape: x.shape, data: mask)) { $0 * $1 }
                savedMasks[index] = mask
            } else {
                y = x
            }
        case .concat(let axis):
            let parts = try node.inputs.map { try value($0) }
            y = try Self.concat(parts, axis: axis)
        case .slice(let starts, let ends, let axes, let steps):
            y = SliceGradients.forward(x, starts: starts, ends: ends, axes: axes, steps: steps)
        case .gather(let axis, let indices):
            let (shape, index) = SliceGradients.gatherIndices(input: x.shape, axis: axis, indices: indices)
            y = SliceGradients.forward(x, shape: shape, index: index)
        case .quantizeLinear(let axis):
            let (levels, mask) = FakeQuantGradients.quantize(x, try quantParameters(node, axis: axis, rank: x.shape.count))
            savedMasks[index] = mask
            y = levels
        case .dequantizeLinear(let axis):
            y = FakeQuantGradients.dequantize(x, try quantParameters(node, axis: axis, rank: x.shape.count))
        default:
            throw TrainingError.unsupportedOp(node: node.name, op: node.op.name)
        }
        return [y]
    }

    func batchNormForward(index: Int, node: Node, x: Activation, epsilon: Float, training: Bool) throws -> Activation {
        let scale = try value(node.inputs[1]).data, bias = try value(node.inputs[2]).data
        let meanName = node.inputs[3], varName = node.inputs[4]
        guard var runMean = values[meanName], var runVar = values[varName] else { throw TrainingError.missingValue(meanName) }
        if training {
            let s = NormalizationGradients.channelStatistics(x, threads: threads)
            let (y, xhat, inv) = NormalizationGradients.normalize(x, mean: s.mean, variance: s.biasedVariance, scale: scale,
                                                                 bias: bias, epsilon: epsilon, perSample: false, threads: threads)
            savedNormalization[index] = .init(normalized: xhat, invStd: inv, perSampleGroups: false, batchStatistics: true)
            let m = batchNormMomentum
            let unbias = s.count > 1 ? Double(s.count) / Double(s.count - 1) : 1
            for c in 0..<runMean.count {
                runMean.data[c] = (1 - m) * runMean.data[c] + m * Float(s.mean[c])
                runVar.data[c] = (1 - m) * runVar.data[c] + m * Float(s.biasedVariance[c] * unbias)
            }
            values[meanName] = runMean
            values[varName] = runVar
            numBatchesTracked[Self.trackedKey(runningMean: meanName), default: 0] += 1
            return y
        }
        let (y, xhat, inv) = NormalizationGradients.normalize(x, mean: runMean.data.map(Double.init),
                                                             variance: runVar.data.map(Double.init), scale: scale,
                                                             bias: bias, epsilon: epsilon, perSample: false, threads: threads)
        savedNormalization[index] = .init(normalized: xhat, invStd: inv, perSampleGroups: false, batchStatistics: false)
        return y
    }

    func runBackward(index: Int, node: Node, dy: Activation, needs: [Bool]) throws -> [Activation?] {
        let x = try value(node.inputs[0])
        switch node.op {
        case .conv(let a):
            let w = try value(node.inputs[1])
            let plan = try ConvolutionGradients.convPlan(x: x.shape, w: w.shape, a)
            let hasBias = node.inputs.count > 2 && !node.inputs[2].isEmpty
            let (dx, dw, db) = ConvolutionGradients.convBackward(x, w, hasBias: hasBias, dy, plan, needInput: needs[0],
                                                                 threads: threads, scratch: scratch)
            return [dx, dw, db]
        case .convTranspose(let t):
            let w = try value(node.inputs[1])
            let plan = try ConvolutionGradients.transposePlan(x: x.shape, w: w.shape, t)
            let hasBias = node.inputs.count > 2 && !node.inputs[2].isEmpty
            let (dx, dw, db) = ConvolutionGradients.transposeBackward(x, w, hasBias: hasBias, dy, plan, needInput: needs[0],
                                                                      threads: threads, scratch: scratch)
            return [dx, dw, db]
        case .batchNorm, .instanceNorm:
            guard let saved = savedNormalization[index] else { throw TrainingError.missingValue(node.outputs[0]) }
            let scale = try optionalInput(node, 1)?.data ?? [Float](repeating: 1, count: x.shape[1])
            let (dx, ds, db) = NormalizationGradients.backward(dy, saved: saved, scale: scale, threads: threads)
            return [dx, Activation(shape: [ds.count], data: ds), Activation(shape: [db.count], data: db)]
        case .matMul:
            let (da, db) = MatMulGradients.backward(dy, x, try value(node.inputs[1]))
            return [da, db]
        case .softmax(let axis):
            return [SoftmaxGradients.backward(dy, y: try value(node.outputs[0]), axis: axis)]
        case .layerNorm(let axis, _):
            guard let saved = savedNormalization[index] else { throw TrainingError.missingValue(node.outputs[0]) }
            let scale = try value(node.inputs[1])
            let (dx, ds, db) = LayerNormGradients.backward(dy, saved: saved, axis: axis, scale: scale.data)
            return [dx, Activation(shape: scale.shape, data: ds), Activation(shape: scale.shape, data: db)]
        case .maxPool(let a):
            let w = try PoolingGradients.windows(xShape: x.shape, a)
            return [PoolingGradients.maxBackward(dy, argmax: savedArgmax[index] ?? [], w, inShape: x.shape)]
        case .avgPool(let a):
            if let g = PoolingGradients.tiling(x.shape, a) { return [PoolingGradients.tileAverageBackward(dy, g, inShape: x.shape)] }
            return [PoolingGradients.averageBackward(dy, try PoolingGradients.windows(xShape: x.shape, a), inShape: x.shape)]
        case .adaptiveAvgPool(let size):
            let w = try PoolingGradients.adaptiveWindows(xShape: x.shape, outputSize: size)
            return [PoolingGradients.averageBackward(dy, w, inShape: x.shape)]
        case .globalAvgPool:
            return [ElementwiseGradients.reduceMeanBackward(dy, inShape: x.shape, axes: Array(2..<x.shape.count))]
        case .relu: return [ElementwiseGradients.reluBackward(dy, x: x, threads: threads)]
        case .elu(let alpha): return [ElementwiseGradients.eluBackward(dy, x: x, alpha: alpha, threads: threads)]
        case .tanh: return [ElementwiseGradients.tanhBackward(dy, y: try value(node.outputs[0]))]
        case .sigmoid: return [ElementwiseGradients.sigmoidBackward(dy, y: try value(node.outputs[0]))]
        case .clip(let lo, let hi): return [ElementwiseGradients.clipBackward(dy, x: x, lo: lo, hi: hi)]
        case .add, .sub, .mul, .div:
            let (da, db) = ElementwiseGradients.binaryBackward(Self.binaryKind(node.op), dy, x, try value(node.inputs[1]))
            return [da, db]
        case .gemm(let ta, let tb, let alpha, let beta):
            let (da, db, dc) = try LinearGradients.backward(dy, x, try value(node.inputs[1]),
                                                           cShape: try optionalInput(node, 2)?.shape,
                                                           transA: ta, transB: tb, alpha: alpha, beta: beta)
            return [da, db, dc]
        case .reduceMean(let axes, _):
            return [ElementwiseGradients.reduceMeanBackward(dy, inShape: x.shape, axes: axes)]
        case .reshape, .flatten, .squeeze, .unsqueeze, .identity:
            return [Activation(shape: x.shape, data: dy.data)]
        case .transpose(let perm):
            return [ElementwiseGradients.transposeBackward(dy, inShape: x.shape, perm: perm)]
        case .dropout:
            guard let mask = savedMasks[index] else { return [dy] }
            return [ElementwiseGradients.zip(dy, Activation(shape: dy.shape, data: mask)) { $0 * $1 }]
        case .concat(let axis):
            let shapes = try node.inputs.map { try value($0).shape }
            return Self.split(dy, shapes: shapes, axis: axis)
        case .slice(let starts, let ends, let axes, let steps):
            return [SliceGradients.backward(dy, inShape: x.shape, starts: starts, ends: ends, axes: axes, steps: steps)]
        case .gather(let axis, let indices):
            return [SliceGradients.backward(dy, inShape: x.shape, index: SliceGradients.gatherIndices(input: x.shape, axis: axis, indices: indices).index)]
        case .quantizeLinear(let axis):
            // Straight-through: dy/scale inside the int8 range, 0 where the level saturates.
            guard let mask = savedMasks[index] else { throw TrainingError.missingValue(node.outputs[0]) }
            let dx = ElementwiseGradients.zip(dy, Activation(shape: dy.shape, data: mask)) { $0 * $1 }
            // A learned scale (a trained parameter): LSQ's gradient, Q's part.
            guard needs.count > 1, needs[1] else { return [dx] }
            let p = try quantParameters(node, axis: axis, rank: x.shape.count)
            return [dx, FakeQuantGradients.quantizeScaleGradient(dy, input: x, mask: mask, p, scaleShape: try value(node.inputs[1]).shape)]
        case .dequantizeLinear(let axis):
            let p = try quantParameters(node, axis: axis, rank: x.shape.count)
            let dx = FakeQuantGradients.dequantizeBackward(dy, p)
            guard needs.count > 1, needs[1] else { return [dx] }
            return [dx, FakeQuantGradients.dequantizeScaleGradient(dy, levels: x, p, scaleShape: try value(node.inputs[1]).shape)]
        default:
            throw TrainingError.unsupportedOp(node: node.name, op: node.op.name)
        }
    }

    /// A Q/DQ node's scale (a float initializer or value) and int8 (int16, int32) zero point (an initializer).
    func quantParameters(_ node: Node, axis: Int, rank: Int) throws -> FakeQuantGradients.Parameters {
        guard node.inputs.count >= 2 else { throw TrainingError.invalidArgument("\(node.name) has no scale input") }
        let scale = try value(node.inputs[1]).data
        var zeroPoint: [Float]? = nil, levels = DType.int8
        if node.inputs.count > 2, !node.inputs[2].isEmpty {
            guard let zp = integerValues[node.inputs[2]] ?? graph.initializers[node.inputs[2]] else { throw TrainingError.missingValue(node.inputs[2]) }
            guard zp.dtype == .int8 || zp.dtype == .int16 || zp.dtype == .int32 else {
                throw TrainingError.invalidArgument("\(node.name): quantization-aware training runs int8 Q/DQ (int16 for chosen activations, int32 for biases), the zero point is \(zp.dtype.rawValue)")
            }
            zeroPoint = zp.floatValues()
            levels = zp.dtype
        }
        return try FakeQuantGradients.Parameters(scale: scale, zeroPoint: zeroPoint, axis: axis, rank: rank, levels: levels)
    }

    static func binaryKind(_ op: Op) -> ElementwiseGradients.Binary {
        switch op {
        case .sub: return .sub
        case .mul: return .mul
        case .div: return .div
        default: return .add
        }
    }

    /// Output shape of the shape-only ops (ONNX semantics).
    static func reshapedShape(_ op: Op, _ shape: [Int]) throws -> [Int] {
        let r = shape.count
        let total = shape.reduce(1, *)
        switch op {
        case .reshape(let target):
            var out = target.enumerated().map { $0.element == 0 ? shape[$0.offset] : $0.element }
            if let i = out.firstIndex(of: -1) {
                let known = out.enumerated().filter { $0.offset != i }.reduce(1) { $0 * $1.element }
                guard known > 0, total % known == 0 else { throw TrainingError.shapeMismatch("reshape \(shape) to \(target)") }
                out[i] = total / known
            }
            guard out.reduce(1, *) == total else { throw TrainingError.shapeMismatch("reshape \(shape) to \(target)") }
            return out
        case .flatten(let axis):
            let a = axis < 0 ? axis + r : axis
            return [shape[..<a].reduce(1, *), shape[a...].reduce(1, *)]
        case .squeeze(let axes):
            let ax = Set(axes.map { $0 < 0 ? $0 + r : $0 })
            return shape.enumerated().filter { ax.isEmpty ? $0.element != 1 : !ax.contains($0.offset) }.map(\.element)
        case .unsqueeze(let axes):
            let outRank = r + axes.count
            let ax = Set(axes.map { $0 < 0 ? $0 + outRank : $0 })
            var out: [Int] = []
            var it = shape.makeIterator()
            for i in 0..<outRank { out.append(ax.contains(i) ? 1 : it.next()!) }
            return out
        default:
            return shape
        }
    }

    static func concat(_ parts: [Activation], axis: Int) throws -> Activation {
        let r = parts[0].shape.count
        let a = axis < 0 ? axis + r : axis
        var shape = parts[0].shape
        shape[a] = parts.reduce(0) { $0 + $1.shape[a] }
        let outer = shape[..<a].reduce(1, *)
        var out = Activation(zeros: shape)
        var offset = 0
        let rowOut = shape[a...].reduce(1, *)
        for p in parts {
            let row = p.shape[a...].reduce(1, *)
            for o in 0..<outer { for i in 0..<row { out.data[o * rowOut + offset + i] = p.data[o * row + i] } }
            offset += row
        }
        return out
    }

    static func split(_ dy: Activation, shapes: [[Int]], axis: Int) -> [Activation?] {
        let r = dy.shape.count
        let a = axis < 0 ? axis + r : axis
        let outer = dy.shape[..<a].reduce(1, *)
        let rowOut = dy.shape[a...].reduce(1, *)
        var offset = 0
        return shapes.map { s in
            let row = s[a...].reduce(1, *)
            var g = Activation(zeros: s)
            for o in 0..<outer { for i in 0..<row { g.data[o * row + i] = dy.data[o * rowOut + offset + i] } }
            offset += row
            return g
        }
    }
}
