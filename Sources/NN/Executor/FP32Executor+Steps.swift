import Kernels
import TensorCore

extension FP32Executor {
    static func convGeometry(_ a: ConvAttributes, x: [Int], w: [Int]) -> ConvGeometry {
        ConvGeometry(batch: x[0], inChannels: x[1], outChannels: w[0], groups: a.groups,
                     inputSpatial: Array(x.dropFirst(2)), kernel: a.kernel, stride: a.stride,
                     padsBegin: a.padsBegin, padsEnd: a.padsEnd, dilation: a.dilation)
    }

    /// The forward convolution whose transpose `node` computes (`y` is the node's output shape).
    static func transposeGeometry(_ t: ConvTransposeAttributes, x: [Int], y: [Int]) -> ConvGeometry {
        ConvGeometry(transposeFrom: x, to: y, groups: t.conv.groups, kernel: t.conv.kernel, stride: t.conv.stride,
                     padsBegin: t.conv.padsBegin, padsEnd: t.conv.padsEnd, dilation: t.conv.dilation)
    }

    static func scratchNeed(_ node: Node, _ g: Graph, threads: Int) -> Int {
        guard let x = g.valueInfo[node.inputs[0]]?.shape else { return 0 }
        switch node.op {
        case .conv(let a):
            let geo = convGeometry(a, x: x, w: g.valueInfo[node.inputs[1]]!.shape)
            return FP32ConvKernel.scratchFloats(geo, threads: threads)
        case .convTranspose(let t):
            let geo = transposeGeometry(t, x: x, y: g.valueInfo[node.outputs[0]]!.shape)
            return min(threads, geo.batch * geo.groups) * FP32Conv.transposeScratchFloats(geo)
        default: return 0
        }
    }

    /// A direct-convolution step (weights packed now, activation fused), or nil where the node
    /// is not a convolution `FP32DirectConv` supports.
    static func compileDirectConv(_ node: Node, _ g: Graph, pointers: [String: UnsafeMutablePointer<Float>],
                                  scratch: UnsafeMutablePointer<Float>, threads: Int,
                                  activation: FP32Activation?) throws -> (() -> Void)? {
        guard case .conv(let a) = node.op, let xs = g.valueInfo[node.inputs[0]]?.shape,
              let ws = g.valueInfo[node.inputs[1]]?.shape else { return nil }
        let geo = convGeometry(a, x: xs, w: ws)
        // Weights are packed once, here, so they must be constants.
        guard FP32DirectConv.supports(geo), g.initializers[node.inputs[1]] != nil, let x = pointers[node.inputs[0]], let w = pointers[node.inputs[1]],
              let y = pointers[node.outputs[0]] else { return nil }
        let b = node.inputs.count > 2 && !node.inputs[2].isEmpty ? pointers[node.inputs[2]] : nil
        let direct = FP32DirectConv(geo, weight: w)
        return { direct.run(x: x, bias: b, y: y, activation: activation, scratch: scratch, threads: threads) }
    }

    /// One prepared step: every shape, stride and pointer is fixed here, at compile time.
    static func compile(_ node: Node, _ g: Graph, pointers: [String: UnsafeMutablePointer<Float>],
                        scratch: UnsafeMutablePointer<Float>, threads: Int) throws -> () -> Void {
        func ptr(_ i: Int) -> UnsafeMutablePointer<Float>? {
            i < node.inputs.count && !node.inputs[i].isEmpty ? pointers[node.inputs[i]] : nil
        }
        func shape(_ i: Int) -> [Int] { g.valueInfo[node.inputs[i]]!.shape }
        let x = ptr(0)!, xs = shape(0)
        let y = pointers[node.outputs[0]]!, ys = g.valueInfo[node.outputs[0]]!.shape
        let n = ys.reduce(1, *)
        let copy: () -> Void = { if x != y { y.update(from: x, count: n) } }

        switch node.op {
        case .conv(let a):
            let geo = convGeometry(a, x: xs, w: shape(1))
            let w = ptr(1)!, b = ptr(2)
            return { FP32Conv.conv(geo, x: x, weight: w, bias: b, y: y, scratch: scratch, threads: threads) }
        case .convTranspose(let t):
            let geo = transposeGeometry(t, x: xs, y: ys)
            let w = ptr(1)!, b = ptr(2)
            return { FP32Conv.convTranspose(geo, x: x, weight: w, bias: b, y: y, scratch: scratch, threads: threads) }
        case .batchNorm(let eps):
            let (s, b, m, v) = (ptr(1)!, ptr(2)!, ptr(3)!, ptr(4)!)
            let vol = xs.dropFirst(2).reduce(1, *)
            return {
                FP32Norm.batchNorm(x: x, y: y, batch: xs[0], channels: xs[1], volume: vol, scale: s, bias: b,
                                   mean: m, variance: v, epsilon: eps)
            }
        case .instanceNorm(let eps):
            let (s, b) = (ptr(1), ptr(2))
            let vol = xs.dropFirst(2).reduce(1, *)
            return {
                FP32Norm.instanceNorm(x: x, y: y, batch: xs[0], channels: xs[1], volume: vol, scale: s, bias: b,
                                      epsilon: eps)
            }
        case .layerNorm(let axis, let eps):
            let (s, b) = (ptr(1)!, ptr(2)), (rows, columns) = FP32Norm.layerNormShape(xs, axis: axis)
            return { FP32Norm.layerNorm(x: x, y: y, rows: rows, columns: columns, scale: s, bias: b, epsilon: eps) }
        case .softmax(let axis):
            let l = FP32Softmax.layout(xs, axis: axis)
            return { FP32Softmax.softmax(x, y, outer: l.outer, axisLength: l.axisLength, inner: l.inner) }
        case .gemm(let transA, let transB, let alpha, let beta):
            let b = ptr(1)!, bs = shape(1)
            let (m, k) = transA ? (xs[1], xs[0]) : (xs[0], xs[1])
            let cols = transB ? bs[0] : bs[1]
            let c = ptr(2), cStrides = c == nil ? [] : FP32Layout.broadcastStrides(shape(2), to: ys)
            return {
                if let c { FP32Layout.gather(c, offset: 0, strides: cStrides, shape: ys, y: y) }
                BLAS.sgemm(transposeA: transA, transposeB: transB, m: m, n: cols, k: k, alpha: alpha,
                           a: x, lda: xs[1], b: b, ldb: bs[1], beta: c == nil ? 0 : beta, c: y, ldc: cols)
            }
        case .matMul:
            let b = ptr(1)!, bs = shape(1)
            return { FP32MatMul.run(x, xs, b, bs, y) }
        case .maxPool(let a), .avgPool(let a):
            let isMax: Bool
            if case .maxPool = node.op { isMax = true } else { isMax = false }
            let geo = PoolGeometry(planes: xs[0] * xs[1], inputSpatial: Array(xs.dropFirst(2)), kernel: a.kernel,
                                   stride: a.stride, padsBegin: a.padsBegin, padsEnd: a.padsEnd, ceilMode: a.ceilMode)
            let include = a.countIncludePad
            return { FP32Pool.pool(geo, isMax: isMax, countIncludePad: include, x: x, y: y) }
        case .adaptiveAvgPool(let size):
            guard size.count <= 3 else { throw ExecutorError("Node '\(node.name)': adaptive pooling over more than 3 axes") }
            let inner = Array(xs.suffix(size.count)), planes = xs.dropLast(size.count).reduce(1, *)
            return { FP32Pool.adaptiveAverage(planes: planes, input: inner, output: size, x: x, y: y) }
        case .globalAvgPool:
            let axes = Array(2..<xs.count)
            return { FP32Layout.reduceMean(x, shape: xs, axes: axes, y: y) }
        case .relu, .tanh, .sigmoid, .elu, .clip:
            let act = activation(node.op)!
            return { act.apply(x, y, count: n) }
        case .add, .sub, .mul, .div:
            let op: FP32Layout.Binary
            switch node.op {
            case .add: op = .add
            case .sub: op = .sub
            case .mul: op = .mul
            default: op = .div
            }
            let b = ptr(1)!
            let sa = FP32Layout.broadcastStrides(xs, to: ys), sb = FP32Layout.broadcastStrides(shape(1), to: ys)
            return { FP32Layout.binary(op, a: x, aStrides: sa, b: b, bStrides: sb, y: y, shape: ys) }
        case .reduceMean(let axes, _):
            let norm = (axes.isEmpty ? Array(0..<xs.count) : axes.map { $0 < 0 ? $0 + xs.count : $0 })
            let sorted = Array(Set(norm)).sorted()
            return { FP32Layout.reduceMean(x, shape: xs, axes: sorted, y: y) }
        case .reshape, .flatten, .squeeze, .unsqueeze, .identity, .dropout:
            return copy
        case .transpose(let perm):
            let p = perm.isEmpty ? Array((0..<xs.count).reversed()) : perm
            let strides = FP32Layout.contiguousStrides(xs)
            let permuted = p.map { strides[$0] }
            return { FP32Layout.gather(x, offset: 0, strides: permuted, shape: ys, y: y) }
        case .concat(let axis):
            let a = axis < 0 ? axis + xs.count : axis
            let parts = node.inputs.indices.map { (UnsafePointer(ptr($0)!), shape($0)) }
            return { FP32Layout.concat(parts, axis: a, y: y) }
        case .slice(let starts, let ends, let axes, let steps):
            let (offset, strides) = FP32Layout.sliceLayout(input: xs, output: ys, starts: starts, axes: axes, steps: steps)
            return { FP32Layout.gather(x, offset: offset, strides: strides, shape: ys, y: y) }
        case .gather(let axis, let indices):
            let l = FP32Layout.gatherLayout(input: xs, axis: axis, indices: indices)
            return { FP32Layout.gather(UnsafePointer(x), outer: l.outer, axisLength: l.axisLength, inner: l.inner, indices: l.indices, y: y) }
        case .quantizeLinear, .dequantizeLinear, .qLinearConv:
            throw ExecutorError.unsupported(node)
        }
    }
}
