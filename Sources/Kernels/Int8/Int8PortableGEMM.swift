/// The portable int8 path: int16 pairs, written as plain loops that the baseline compiler turns
/// into `pmaddwd` (SSE2, every x86-64) or `smlal` pairs (NEON); Swift's generic SIMD conversions
/// would not vectorise. Panels: weights `[k2][4 rows][2]`, activations `[k2][16 columns][2]`.
extension Int8GEMM {
    /// Packs `rows` rows of `x` into portable panels: row pair `q` of panel `p` lands at
    /// `dst + p·panelStride + q·64`. A missing second row repeats the last one (its weights are
    /// zero); columns past `count` are zero.
    static func portablePackRows(
        _ x: UnsafePointer<Int8>, ldx: Int, rows: Int, count: Int, into dst: UnsafeMutableRawPointer, panelStride: Int
    ) {
        let groups = (rows + 1) / 2
        for q in 0..<groups {
            let r0 = x + 2 * q * ldx, r1 = x + min(2 * q + 1, rows - 1) * ldx
            var p = 0, n0 = 0
            while n0 < count {
                let out = (dst + p * panelStride + q * 64).assumingMemoryBound(to: Int16.self)
                if count - n0 >= 16 {
                    for j in 0..<16 {
                        out[2 &* j] = Int16(r0[n0 &+ j])
                        out[2 &* j &+ 1] = Int16(r1[n0 &+ j])
                    }
                } else {
                    for j in 0..<16 {
                        out[2 &* j] = n0 + j < count ? Int16(r0[n0 &+ j]) : 0
                        out[2 &* j &+ 1] = n0 + j < count ? Int16(r1[n0 &+ j]) : 0
                    }
                }
                p += 1
                n0 += 16
            }
        }
    }

    /// Portable micro-kernel: 4 rows × 16 columns, each step one pair of `k`:
    /// `acc += x[2j]·w0 + x[2j+1]·w1`, the `pmaddwd` shape.
    static func portableGEMM(
        _ w: Int8PackedWeights, packed: UnsafeRawPointer, panels: Int, c: UnsafeMutablePointer<Int32>, ldc: Int
    ) {
        let k2 = w.kGroups
        let a = UnsafeRawPointer(w.packed).assumingMemoryBound(to: Int16.self)
        let b = packed.assumingMemoryBound(to: Int16.self)
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: 64) { tileBuffer in
            let acc = tileBuffer.baseAddress!
            for np in 0..<panels {
                for mp in 0..<w.mPanels {
                    var pa = a + mp * k2 * 8
                    var pb = b + np * k2 * 32
                    acc.update(repeating: 0, count: 64)
                    for _ in 0..<k2 {
                        for r in 0..<4 {
                            let w0 = Int32(pa[2 &* r]), w1 = Int32(pa[2 &* r &+ 1])
                            for j in 0..<16 {
                                acc[r &* 16 &+ j] &+= Int32(pb[2 &* j]) &* w0 &+ Int32(pb[2 &* j &+ 1]) &* w1
                            }
                        }
                        pa += 8
                        pb += 32
                    }
                    for r in 0..<4 { (c + (mp * 4 + r) * ldc + np * 16).update(from: acc + r * 16, count: 16) }
                }
            }
        }
    }
}
