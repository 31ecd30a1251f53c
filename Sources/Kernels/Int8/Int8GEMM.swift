import Int8AVX2
import Int8VNNI

/// Int8 matrix multiply with exact Int32 accumulation:
/// `C[m][n] = Σ_k W[m][k] · (X[k][n] − xZeroPoint)`, with `W` signed int8 weights (ONNX
/// Runtime's symmetric per-channel weights) and `X` signed int8 activations.
///
/// Work is split in two steps so that convolutions can feed im2col blocks: ``packActivations``
/// (a `k × count` block of `X` into the path's panel layout) and ``multiplyPacked`` (panels into a
/// padded Int32 tile, then the zero-point correction).
public enum Int8GEMM {
    /// Packs columns `[0, count)` of the row-major block `x` (`k` rows, row stride `ldx`) into
    /// `dst` for `layout`'s path. `dst` must hold `layout.packedActivationBytes(k:n:count)`.
    /// Padding columns/rows are filled with the value that contributes nothing extra.
    public static func packActivations(
        _ x: UnsafePointer<Int8>, k: Int, count: Int, ldx: Int, layout: Int8PanelLayout,
        into dst: UnsafeMutableRawPointer
    ) {
        let nr = layout.nr, g = layout.kGroup
        let panels = (count + nr - 1) / nr
        let groups = (k + g - 1) / g
        if layout.activationBytes == 1 {
            // VNNI: unsigned bytes x + 128 (= bit pattern x ^ 0x80); padding 0x80 (x = 0).
            let out = dst.assumingMemoryBound(to: UInt8.self)
            for p in 0..<panels {
                let n0 = p * nr
                let width = min(nr, count - n0)
                for kg in 0..<groups {
                    let base = out + (p * groups + kg) * nr * g
                    for t in 0..<g {
                        let row = kg * g + t
                        if row < k && width == nr {
                            let src = x + row * ldx + n0
                            for j in 0..<nr { base[j * g + t] = UInt8(bitPattern: src[j]) ^ 0x80 }
                        } else {
                            for j in 0..<nr {
                                base[j * g + t] = (row < k && j < width)
                                    ? UInt8(bitPattern: x[row * ldx + n0 + j]) ^ 0x80 : 0x80
                            }
                        }
                    }
                }
            }
        } else {
            let out = dst.assumingMemoryBound(to: Int16.self)
            for p in 0..<panels {
                let n0 = p * nr
                let width = min(nr, count - n0)
                for kg in 0..<groups {
                    let base = out + (p * groups + kg) * nr * g
                    for t in 0..<g {
                        let row = kg * g + t
                        if row < k && width == nr {
                            let src = x + row * ldx + n0
                            for j in 0..<nr { base[j * g + t] = Int16(src[j]) }
                        } else {
                            for j in 0..<nr {
                                base[j * g + t] = (row < k && j < width) ? Int16(x[row * ldx + n0 + j]) : 0
                            }
                        }
                    }
                }
            }
        }
    }

    /// Multiplies packed weights by `panels` packed activation panels into `c` (a padded tile of
    /// `weights.mPanels·mr` rows × `panels·nr` columns at stride `ldc`), then subtracts the
    /// zero-point term so that rows `< m` hold `Σ W·(X − xZeroPoint)` exactly.
    public static func multiplyPacked(
        _ weights: Int8PackedWeights, packed: UnsafeRawPointer, panels: Int, xZeroPoint: Int32,
        c: UnsafeMutablePointer<Int32>, ldc: Int
    ) {
        let layout = weights.layout
        switch weights.path {
        case .avx512VNNI:
            rppgVNNIGEMM(UnsafeRawPointer(weights.packed), packed, c, weights.mPanels, panels, weights.kGroups, ldc)
        case .avx2:
            rppgAVX2GEMM(UnsafeRawPointer(weights.packed), packed, c, weights.mPanels, panels, weights.kGroups, ldc)
        case .portable:
            portableGEMM(weights, packed: packed, panels: panels, c: c, ldc: ldc)
        case .reference:
            preconditionFailure("the reference path does not use packed panels; call Int8GEMM.reference")
        }
        let shift = layout.activationOffset &+ xZeroPoint
        if shift == 0 { return }
        let columns = panels * layout.nr
        for r in 0..<weights.m {
            let correction = shift &* weights.rowSums[r]
            let row = c + r * ldc
            for j in 0..<columns { row[j] &-= correction }
        }
    }

    /// Portable micro-kernel: 4 rows × 16 columns of int16 products widened to Int32. Written as
    /// plain loops so that the baseline compiler vectorises them (SSE2 `pmullw`/`pmulhw`, NEON
    /// `smlal`); Swift's generic SIMD conversions would not be.
    static func portableGEMM(
        _ w: Int8PackedWeights, packed: UnsafeRawPointer, panels: Int, c: UnsafeMutablePointer<Int32>, ldc: Int
    ) {
        let k = w.kGroups
        let a = UnsafeRawPointer(w.packed).assumingMemoryBound(to: Int16.self)
        let b = packed.assumingMemoryBound(to: Int16.self)
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: 64) { tileBuffer in
            let acc = tileBuffer.baseAddress!
            for np in 0..<panels {
                for mp in 0..<w.mPanels {
                    var pa = a + mp * k * 4
                    var pb = b + np * k * 16
                    acc.update(repeating: 0, count: 64)
                    for _ in 0..<k {
                        for r in 0..<4 {
                            let wv = Int32(pa[r])
                            for j in 0..<16 { acc[r &* 16 &+ j] &+= Int32(pb[j]) &* wv }
                        }
                        pa += 4
                        pb += 16
                    }
                    for r in 0..<4 { (c + (mp * 4 + r) * ldc + np * 16).update(from: acc + r * 16, count: 16) }
                }
            }
        }
    }

    /// Reference: plain loops over row-major `W` (`m × k`) and `X` (`k × n`, stride `ldx`),
    /// writing `C` (`m × n`, stride `ldc`).
    public static func reference(
        weights: UnsafePointer<Int8>, m: Int, k: Int, x: UnsafePointer<Int8>, n: Int, ldx: Int,
        xZeroPoint: Int32, c: UnsafeMutablePointer<Int32>, ldc: Int
    ) {
        for i in 0..<m {
            for j in 0..<n {
                var acc: Int32 = 0
                for t in 0..<k { acc += Int32(weights[i * k + t]) * (Int32(x[t * ldx + j]) - xZeroPoint) }
                c[i * ldc + j] = acc
            }
        }
    }
}
