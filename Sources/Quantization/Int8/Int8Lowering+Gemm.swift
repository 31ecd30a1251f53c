import NN
import TensorCore

extension Int8Lowering {
    /// DQ → Gemm → Q (a `Linear` layer: `[M, K] · Wᵀ + b`) as one int8 convolution with a 1-wide
    /// kernel over a length-1 signal: the same int32 accumulation and per-channel requantization
    /// as ONNX Runtime's QGemm, which it fuses this pattern into. Returns false when the pattern
    /// does not hold (then the Gemm runs as a float fallback).
    mutating func lowerGemm(_ node: Node) throws -> Bool {
        guard case .gemm(let transA, let transB, let alpha, let beta) = node.op, !transA, alpha == 1, beta == 1,
              let x = int8Input(node.inputs[0]), x.shape.count == 2, let wq = constantDQ[node.inputs[1]],
              wq.q.dtype == .int8, wq.q.rank == 2, wq.zeroPoints.allSatisfy({ $0 == 0 }),
              wq.axis == (transB ? 0 : 1) || wq.scales.count == 1,
              let (q, relu) = quantizeConsumer(of: node.outputs[0]), relu == nil else { return false }
        // Weights as conv weights [N, K, 1]: per output channel, as the conv kernels take them.
        let w = transB ? wq.q : Self.transposed(wq.q)
        let (n, k) = (w.shape[0], w.shape[1])
        guard x.shape[1] == k else { return false }
        var bias: [Int32]? = nil
        if node.inputs.count > 2, !node.inputs[2].isEmpty {
            guard let bq = constantDQ[node.inputs[2]], bq.q.dtype == .int32, bq.q.elementCount == n else { return false }
            bias = bq.q.scalars(as: Int32.self)
        }
        let (ys, yzp) = try quantizeParameters(q)
        var column = x
        column.shape = [x.shape[0], k, 1]
        let ok = try emitConv(node, ConvAttributes(kernel: [1]), x: column, weights: w.reshaped([n, k, 1]),
                              weightScales: wq.scales, bias: bias, ys: ys, yzp: yzp, output: q.outputs[0], relu: false,
                              label: "Gemm \(node.name)", absorbed: [q.name])
        int8[q.outputs[0]]?.shape = [x.shape[0], n]
        return ok
    }

    static func transposed(_ t: Tensor) -> Tensor {
        let (r, c) = (t.shape[0], t.shape[1])
        let v = t.scalars(as: Int8.self)
        return Tensor(shape: [c, r], scalars: (0..<(r * c)).map { i in v[(i % r) * c + i / r] })
    }

    /// A Gemm left in float (not between Q/DQ pairs): `alpha · A' · B' + beta · C` on dequantized values.
    mutating func fallbackGemm(_ node: Node) throws {
        guard case .gemm(let transA, let transB, let alpha, let beta) = node.op else { return }
        let a = try materializeFloat(node.inputs[0], for: node)
        guard let b = constants[node.inputs[1]], a.shape.count == 2, b.rank == 2 else {
            throw Int8ExecutorError("node \(node.name): Gemm needs a 2-D input and a constant 2-D weight")
        }
        let (m, k) = transA ? (a.shape[1], a.shape[0]) : (a.shape[0], a.shape[1])
        let n = transB ? b.shape[0] : b.shape[1]
        guard (transB ? b.shape[1] : b.shape[0]) == k else {
            throw Int8ExecutorError("node \(node.name): Gemm shapes \(a.shape) and \(b.shape) do not fit")
        }
        let c = node.inputs.count > 2 && !node.inputs[2].isEmpty ? constants[node.inputs[2]] : nil
        let (cv, cShape) = (c?.floatValues() ?? [], c?.shape ?? [])
        let y = FloatValue(buffer: arena.allocate(bytes: m * n * 4), shape: [m, n])
        let (ap, yp, bv) = (UnsafePointer(arena.float(a.buffer)), arena.float(y.buffer), b.floatValues())
        floats[node.outputs[0]] = y
        executor.steps.append {
            for i in 0..<m {
                for j in 0..<n {
                    var s: Float = 0
                    for p in 0..<k { s += ap[transA ? p * m + i : i * k + p] * bv[transB ? j * k + p : p * n + j] }
                    // C broadcasts as [N], [1, N], [M, 1] or [M, N].
                    let ci = cShape.isEmpty ? nil : (cv.count == 1 ? 0 : cv.count == n && cShape.last == n ? j
                                                     : cv.count == m ? i : i * n + j)
                    yp[i * n + j] = alpha * s + (ci.map { beta * cv[$0] } ?? 0)
                }
            }
        }
        executor.device.blockers.append("Gemm \(node.name): runs as a float fallback on the host (no int8 kernel)")
        executor.plan.append("Gemm \(node.name): float fallback (dequantize → FP32 → quantize)")
    }
}
