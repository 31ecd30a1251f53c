import Int8AVX2
import Int8AVXVNNI
import Int8VNNI

/// Int8 matrix multiply with exact Int32 accumulation:
/// `C[m][n] = Σ_k W[m][k] · (X[k][n] − xZeroPoint)`, with `W` signed int8 weights (ONNX
/// Runtime's symmetric per-channel weights) and `X` signed int8 activations.
///
/// Work is split in two steps so that convolutions can feed im2col blocks: ``packActivations``
/// (a `k × count` block of `X` into the path's panel layout) and ``multiplyPacked`` (panels into a
/// padded Int32 tile, then the zero-point correction). Convolutions skip the correction pass and
/// fold it into requantization (`multiplyRaw`).
public enum Int8GEMM {
    /// Packs columns `[0, count)` of the row-major block `x` (`k` rows, row stride `ldx`) into
    /// `dst` for `layout`'s path. `dst` must hold `layout.packedActivationBytes(k:n:count)`.
    /// Padding rows (past `k`) meet zero weights, padding columns are discarded by the callers.
    public static func packActivations(
        _ x: UnsafePointer<Int8>, k: Int, count: Int, ldx: Int, layout: Int8PanelLayout,
        into dst: UnsafeMutableRawPointer
    ) {
        let groups = (k + layout.kGroup - 1) / layout.kGroup
        packRows(x, ldx: ldx, rows: k, count: count, layout: layout, into: dst, panelStride: groups * layout.groupBytes)
    }

    /// Packs `rows` rows of `x` (a slice of the reduction that starts on a `kGroup` boundary) into
    /// the panels at `dst`: row group `q` of panel `p` lands at `dst + p·panelStride + q·groupBytes`.
    /// The convolution packs its vol2col rows chunk by chunk through this, so the chunk stays in L1.
    static func packRows(
        _ x: UnsafePointer<Int8>, ldx: Int, rows: Int, count: Int, layout: Int8PanelLayout,
        into dst: UnsafeMutableRawPointer, panelStride: Int
    ) {
        switch layout.path {
        case .avx512VNNI: rppgVNNIPackRows(x, ldx, rows, count, dst, panelStride)
        case .avx2: rppgAVX2PackRows(x, ldx, rows, count, dst, panelStride)
        case .avxVNNI: rppgAVXVNNIPackRows(x, ldx, rows, count, dst, panelStride)
        default: portablePackRows(x, ldx: ldx, rows: rows, count: count, into: dst, panelStride: panelStride)
        }
    }

    /// Multiplies packed weights by `panels` packed activation panels into `c` (a padded tile of
    /// `weights.mPanels·mr` rows × `panels·nr` columns at stride `ldc`), then subtracts the
    /// zero-point term so that rows `< m` hold `Σ W·(X − xZeroPoint)` exactly.
    public static func multiplyPacked(
        _ weights: Int8PackedWeights, packed: UnsafeRawPointer, panels: Int, xZeroPoint: Int32,
        c: UnsafeMutablePointer<Int32>, ldc: Int
    ) {
        multiplyRaw(weights, packed: packed, panels: panels, c: c, ldc: ldc)
        let shift = weights.layout.activationOffset &+ xZeroPoint
        if shift == 0 { return }
        let columns = panels * weights.layout.nr
        for r in 0..<weights.m {
            let correction = shift &* weights.rowSums[r]
            let row = c + r * ldc
            for j in 0..<columns { row[j] &-= correction }
        }
    }

    /// The path's micro-kernel alone: `c` receives `Σ W·(X + activationOffset)` over the packed
    /// values; callers fold `−(activationOffset + xZeroPoint)·rowSums[r]` into their epilogue.
    static func multiplyRaw(
        _ weights: Int8PackedWeights, packed: UnsafeRawPointer, panels: Int, c: UnsafeMutablePointer<Int32>, ldc: Int
    ) {
        switch weights.path {
        case .avx512VNNI:
            rppgVNNIGEMM(UnsafeRawPointer(weights.packed), packed, c, weights.mPanels, panels, weights.kGroups, ldc)
        case .avxVNNI:
            rppgAVXVNNIGEMM(UnsafeRawPointer(weights.packed), packed, c, weights.mPanels, panels, weights.kGroups, ldc)
        case .avx2:
            rppgAVX2GEMM(UnsafeRawPointer(weights.packed), packed, c, weights.mPanels, panels, weights.kGroups, ldc)
        case .portable:
            portableGEMM(weights, packed: packed, panels: panels, c: c, ldc: ldc)
        case .reference:
            preconditionFailure("the reference path does not use packed panels; call Int8GEMM.reference")
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
