import Foundation
import Kernels

/// Activations, broadcasting arithmetic and reductions, forward and backward.
enum ElementwiseGradients {
    // MARK: Activations (backward written in terms of the saved input or output)

    static func relu(_ x: Activation, threads: Int = 1) -> Activation { map(x, threads: threads) { max($0, 0) } }
    static func reluBackward(_ dy: Activation, x: Activation, threads: Int = 1) -> Activation {
        zip(dy, x, threads: threads) { g, v in v > 0 ? g : 0 }
    }

    static func elu(_ x: Activation, alpha: Float, threads: Int = 1) -> Activation {
        map(x, threads: threads) { $0 > 0 ? $0 : alpha * (expf($0) - 1) }
    }
    static func eluBackward(_ dy: Activation, x: Activation, alpha: Float, threads: Int = 1) -> Activation {
        zip(dy, x, threads: threads) { g, v in v > 0 ? g : g * alpha * expf(v) }
    }

    static func tanh(_ x: Activation) -> Activation { map(x) { tanhf($0) } }
    static func tanhBackward(_ dy: Activation, y: Activation) -> Activation { zip(dy, y) { g, t in g * (1 - t * t) } }

    static func sigmoid(_ x: Activation) -> Activation { map(x) { 1 / (1 + expf(-$0)) } }
    static func sigmoidBackward(_ dy: Activation, y: Activation) -> Activation { zip(dy, y) { g, s in g * s * (1 - s) } }

    static func clip(_ x: Activation, lo: Float, hi: Float) -> Activation { map(x) { min(max($0, lo), hi) } }
    static func clipBackward(_ dy: Activation, x: Activation, lo: Float, hi: Float) -> Activation {
        zip(dy, x) { g, v in (v >= lo && v <= hi) ? g : 0 }
    }

    @inline(__always) static func map(_ x: Activation, threads: Int = 1, _ f: (Float) -> Float) -> Activation {
        var y = Activation(overwriting: x.shape)
        x.data.withUnsafeBufferPointer { xp in
            y.data.withUnsafeMutableBufferPointer { p in
                let yp = p.baseAddress!
                inChunks(p.count, threads: threads) { r in for i in r { yp[i] = f(xp[i]) } }
            }
        }
        return y
    }

    @inline(__always) static func zip(_ a: Activation, _ b: Activation, threads: Int = 1,
                                      _ f: (Float, Float) -> Float) -> Activation {
        var y = Activation(overwriting: a.shape)
        a.data.withUnsafeBufferPointer { ap in
            b.data.withUnsafeBufferPointer { bp in
                y.data.withUnsafeMutableBufferPointer { p in
                    let yp = p.baseAddress!
                    inChunks(p.count, threads: threads) { r in for i in r { yp[i] = f(ap[i], bp[i]) } }
                }
            }
        }
        return y
    }

    /// Runs `body` over `[0, count)` in fixed chunks spread over `threads` workers (elementwise
    /// work: every element is computed alone, so the split never changes a result).
    @inline(__always) static func inChunks(_ count: Int, threads: Int, _ body: (Range<Int>) -> Void) {
        let chunk = 1 << 16
        guard threads > 1, count > chunk else { return body(0..<count) }
        FP32Conv.run((count + chunk - 1) / chunk, threads: threads) { i, _ in body((i * chunk)..<min(count, (i + 1) * chunk)) }
    }

    // MARK: Broadcasting binary ops

    enum Binary { case add, sub, mul, div }

    static func broadcastShape(_ a: [Int], _ b: [Int]) throws -> [Int] {
        let r = max(a.count, b.count)
        let pa = Array(repeating: 1, count: r - a.count) + a
        let pb = Array(repeating: 1, count: r - b.count) + b
        return try (0..<r).map { i in
            if pa[i] == pb[i] || pb[i] == 1 { return pa[i] }
            if pa[i] == 1 { return pb[i] }
            throw TrainingError.shapeMismatch("cannot broadcast \(a) with \(b)")
        }
    }

    /// Strides of `shape` viewed in the broadcast `out` shape (0 on broadcast axes).
    static func broadcastStrides(_ shape: [Int], to out: [Int]) -> [Int] {
        let padded = Array(repeating: 1, count: out.count - shape.count) + shape
        let s = contiguousStrides(padded)
        return (0..<out.count).map { padded[$0] == 1 && out[$0] != 1 ? 0 : s[$0] }
    }

    /// Index of every output element in a broadcast operand.
    static func broadcastIndices(_ shape: [Int], to out: [Int]) -> [Int] {
        let total = out.reduce(1, *)
        if shape.reduce(1, *) == total { return Array(0..<total) }
        return broadcastIndicesWithStrides(broadcastStrides(shape, to: out), out: out)
    }

    static func binary(_ op: Binary, _ a: Activation, _ b: Activation) throws -> Activation {
        let out = try broadcastShape(a.shape, b.shape)
        let ia = broadcastIndices(a.shape, to: out), ib = broadcastIndices(b.shape, to: out)
        var y = Activation(zeros: out)
        for i in 0..<y.count {
            let u = a.data[ia[i]], v = b.data[ib[i]]
            switch op {
            case .add: y.data[i] = u + v
            case .sub: y.data[i] = u - v
            case .mul: y.data[i] = u * v
            case .div: y.data[i] = u / v
            }
        }
        return y
    }

    /// Gradients of a broadcasting binary op for both operands (summed over broadcast axes).
    static func binaryBackward(_ op: Binary, _ dy: Activation, _ a: Activation, _ b: Activation) -> (Activation, Activation) {
        let out = dy.shape
        let ia = broadcastIndices(a.shape, to: out), ib = broadcastIndices(b.shape, to: out)
        var da = Activation(zeros: a.shape), db = Activation(zeros: b.shape)
        for i in 0..<dy.count {
            let g = dy.data[i], u = a.data[ia[i]], v = b.data[ib[i]]
            switch op {
            case .add: da.data[ia[i]] += g; db.data[ib[i]] += g
            case .sub: da.data[ia[i]] += g; db.data[ib[i]] -= g
            case .mul: da.data[ia[i]] += g * v; db.data[ib[i]] += g * u
            case .div: da.data[ia[i]] += g / v; db.data[ib[i]] -= g * u / (v * v)
            }
        }
        return (da, db)
    }

    // MARK: ReduceMean

    static func reduceMeanShape(_ shape: [Int], axes: [Int], keepDims: Bool) -> (kept: [Int], output: [Int]) {
        let r = shape.count
        let ax = Set((axes.isEmpty ? Array(0..<r) : axes).map { $0 < 0 ? $0 + r : $0 })
        let kept = shape.enumerated().map { ax.contains($0.offset) ? 1 : $0.element }
        let output = keepDims ? kept : shape.enumerated().filter { !ax.contains($0.offset) }.map(\.element)
        return (kept, output)
    }

    static func reduceMean(_ x: Activation, axes: [Int], keepDims: Bool) -> Activation {
        let (kept, output) = reduceMeanShape(x.shape, axes: axes, keepDims: keepDims)
        let idx = broadcastIndices(kept, to: x.shape)
        let n = Float(x.count / max(1, kept.reduce(1, *)))
        // Float32 sums in element order, then one division: the int8 engine's mean (ORT's
        // QLinearGlobalAveragePool form) rounds this way, and QAT's fake-quant forward must
        // meet the same ties (a Double sum breaks a few differently).
        var acc = [Float](repeating: 0, count: kept.reduce(1, *))
        for i in 0..<x.count { acc[idx[i]] += x.data[i] }
        return Activation(shape: output, data: acc.map { $0 / n })
    }

    static func reduceMeanBackward(_ dy: Activation, inShape: [Int], axes: [Int]) -> Activation {
        let (kept, _) = reduceMeanShape(inShape, axes: axes, keepDims: true)
        let idx = broadcastIndices(kept, to: inShape)
        let total = inShape.reduce(1, *)
        let scale = 1 / Float(total / max(1, kept.reduce(1, *)))
        var dx = Activation(zeros: inShape)
        for i in 0..<total { dx.data[i] = dy.data[idx[i]] * scale }
        return dx
    }

    // MARK: Transpose

    static func transpose(_ x: Activation, perm: [Int]) -> Activation {
        let out = perm.map { x.shape[$0] }
        let inStrides = contiguousStrides(x.shape)
        let permuted = perm.map { inStrides[$0] }
        let idx = broadcastIndicesWithStrides(permuted, out: out)
        var y = Activation(zeros: out)
        for i in 0..<y.count { y.data[i] = x.data[idx[i]] }
        return y
    }

    static func transposeBackward(_ dy: Activation, inShape: [Int], perm: [Int]) -> Activation {
        var inverse = [Int](repeating: 0, count: perm.count)
        for (i, p) in perm.enumerated() { inverse[p] = i }
        return transpose(dy, perm: inverse)
    }

    /// Offset into an operand with strides `st` (0 on broadcast axes) of every element of `out`.
    static func broadcastIndicesWithStrides(_ st: [Int], out: [Int]) -> [Int] {
        let total = out.reduce(1, *)
        var idx = [Int](repeating: 0, count: total)
        var counter = [Int](repeating: 0, count: out.count)
        var pos = 0
        for i in 0..<total {
            idx[i] = pos
            var ax = out.count - 1
            while ax >= 0 {
                counter[ax] += 1
                pos += st[ax]
                if counter[ax] < out[ax] { break }
                pos -= st[ax] * counter[ax]
                counter[ax] = 0
                ax -= 1
            }
        }
        return idx
    }
}
