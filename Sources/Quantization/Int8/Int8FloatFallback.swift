import Foundation
import Kernels
import NN
import TensorCore

/// FP32 implementations of the ops the int8 plan cannot lower (they run as dequantize → FP32 →
/// quantize, reported as "float fallback" in the plan description). Plain loops: these ops are
/// rare and small in the zoo models (PhysNet's ConvTranspose + ELU upsampling).
enum Int8FloatFallback {
    static func unary(_ op: Op, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) -> Bool {
        switch op {
        case .relu: for i in 0..<count { y[i] = max(x[i], 0) }
        case .elu(let alpha): for i in 0..<count { let v = x[i]; y[i] = v > 0 ? v : alpha * (expf(v) - 1) }
        case .sigmoid: for i in 0..<count { y[i] = 1 / (1 + expf(-x[i])) }
        case .tanh: for i in 0..<count { y[i] = tanhf(x[i]) }
        case .clip(let lo, let hi): for i in 0..<count { y[i] = min(max(x[i], lo), hi) }
        case .identity, .dropout: y.update(from: x, count: count)
        default: return false
        }
        return true
    }

    /// Concatenation along `axis` of contiguous tensors (each `(pointer, shape)`) into `y`.
    static func concat<T>(_ parts: [(UnsafePointer<T>, [Int])], axis: Int, into y: UnsafeMutablePointer<T>) {
        guard let first = parts.first else { return }
        let outer = first.1[..<axis].reduce(1, *)
        var o = 0
        for i in 0..<outer {
            for (p, shape) in parts {
                let chunk = shape[axis...].reduce(1, *)
                (y + o).update(from: p + i * chunk, count: chunk)
                o += chunk
            }
        }
    }

    /// Output spatial sizes of a transposed convolution.
    static func convTransposeOutput(_ t: ConvTransposeAttributes, input: [Int]) -> [Int] {
        let c = t.conv
        return (0..<c.spatialRank).map { a in
            (input[a] - 1) * c.stride[a] - c.padsBegin[a] - c.padsEnd[a] + c.dilation[a] * (c.kernel[a] - 1) + t.outputPadding[a] + 1
        }
    }

    /// Scratch floats ``convTranspose`` needs for its column matrix.
    static func convTransposeScratch(_ t: ConvTransposeAttributes, inShape: [Int], outChannels: Int) -> Int {
        outChannels / t.conv.groups * t.conv.kernel.reduce(1, *) * inShape[2...].reduce(1, *)
    }

    /// FP32 transposed convolution as sgemm + col2im (what ORT/MLAS do): per group, the column
    /// matrix `Wᵀ·X` (`(Cout/g·kvol) × inPositions`) is scattered into the output. `w`
    /// `[Cin][Cout/g][k…]`, NC + 1…3 spatial; `columns` holds ``convTransposeScratch`` floats.
    /// (The earlier per-tap scalar scatter was a third of PhysNet's int8 time.)
    static func convTranspose(_ t: ConvTransposeAttributes, inShape: [Int], outShape: [Int], x: UnsafePointer<Float>,
                              w: [Float], bias: [Float]?, y: UnsafeMutablePointer<Float>,
                              columns: UnsafeMutablePointer<Float>) {
        let r = t.conv.spatialRank
        func lift(_ v: [Int], _ fill: Int) -> [Int] { Array(repeating: fill, count: 3 - r) + v }
        let ins = lift(Array(inShape[2...]), 1), outs = lift(Array(outShape[2...]), 1)
        let k = lift(t.conv.kernel, 1), s = lift(t.conv.stride, 1), pb = lift(t.conv.padsBegin, 0), dl = lift(t.conv.dilation, 1)
        let n = inShape[0], cin = inShape[1], cout = outShape[1], g = t.conv.groups
        let cinG = cin / g, coutG = cout / g, kvol = k[0] * k[1] * k[2]
        let outPositions = outs.reduce(1, *), inPositions = ins.reduce(1, *)
        // Output coordinate of input index i along axis a for tap offset o, or -1 when outside.
        func target(_ a: Int, _ i: Int, _ tap: Int) -> Int {
            let o = i * s[a] - pb[a] + tap * dl[a]
            return o >= 0 && o < outs[a] ? o : -1
        }
        w.withUnsafeBufferPointer { wp in
            for b in 0..<n {
                for co in 0..<cout {
                    (y + (b * cout + co) * outPositions).update(repeating: bias?[co] ?? 0, count: outPositions)
                }
                for grp in 0..<g {
                    BLAS.sgemm(transposeA: true, m: coutG * kvol, n: inPositions, k: cinG,
                               a: wp.baseAddress! + grp * cinG * coutG * kvol, lda: coutG * kvol,
                               b: x + (b * cin + grp * cinG) * inPositions, ldb: inPositions,
                               c: columns, ldc: inPositions)
                    for j in 0..<coutG {
                        let out = y + (b * cout + grp * coutG + j) * outPositions
                        for a in 0..<k[0] { for e in 0..<k[1] { for f in 0..<k[2] {
                            let col = columns + (j * kvol + (a * k[1] + e) * k[2] + f) * inPositions
                            for z in 0..<ins[0] {
                                let oz = target(0, z, a)
                                if oz < 0 { continue }
                                for yy in 0..<ins[1] {
                                    let oy = target(1, yy, e)
                                    if oy < 0 { continue }
                                    let src = col + (z * ins[1] + yy) * ins[2], dst = out + (oz * outs[1] + oy) * outs[2]
                                    for xx in 0..<ins[2] {
                                        let ox = target(2, xx, f)
                                        if ox >= 0 { dst[ox] += src[xx] }
                                    }
                                }
                            }
                        } } }
                    }
                }
            }
        }
    }

    /// FP32 average/max pooling over the normalised 3-D geometry (padding excluded unless
    /// `countIncludePad`).
    static func pool(_ s: Int8PoolShape, isMax: Bool, countIncludePad: Bool, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
        let (id, ih, iw) = (s.input[0], s.input[1], s.input[2])
        let full = Float(s.kernel[0] * s.kernel[1] * s.kernel[2])
        var p = 0
        for c in 0..<s.channels {
            let plane = x + c * id * ih * iw
            for z in 0..<s.output[0] { for yy in 0..<s.output[1] { for xx in 0..<s.output[2] {
                var acc: Float = isMax ? -.infinity : 0
                var n = 0
                for a in 0..<s.kernel[0] {
                    let d = z * s.stride[0] - s.padsBegin[0] + a
                    if d < 0 || d >= id { continue }
                    for b in 0..<s.kernel[1] {
                        let h = yy * s.stride[1] - s.padsBegin[1] + b
                        if h < 0 || h >= ih { continue }
                        for e in 0..<s.kernel[2] {
                            let w = xx * s.stride[2] - s.padsBegin[2] + e
                            if w < 0 || w >= iw { continue }
                            let v = plane[(d * ih + h) * iw + w]
                            if isMax { acc = max(acc, v) } else { acc += v }
                            n += 1
                        }
                    }
                }
                y[p] = isMax ? acc : acc / (countIncludePad ? full : Float(max(n, 1)))
                p += 1
            } } }
        }
    }
}
