// AVX-512 VNNI int8 GEMM micro-kernel. This module is compiled with `-parse-stdlib` (for the
// `Builtin` LLVM intrinsic `vpdpbusd`) and `-target-cpu icelake-server`; Kernels calls it only
// after `Int8Dispatch` has confirmed AVX-512 VNNI at run time.
import Swift

/// Rows of the packed-A panel (output channels per micro-tile).
public let rppgVNNIRowsPerPanel = 8
/// Columns of the packed-B panel (output positions per micro-tile): two 16-lane vectors.
public let rppgVNNIColumnsPerPanel = 32

@inline(__always)
func dot(_ acc: SIMD16<Int32>, _ unsignedBytes: SIMD16<Int32>, _ signedBytes: SIMD16<Int32>) -> SIMD16<Int32> {
    // vpdpbusd: acc[i] += Σ_{j<4} u8(unsignedBytes[i].byte j) · s8(signedBytes[i].byte j)
    unsafeBitCast(
        Builtin.int_x86_avx512_vpdpbusd_512(
            unsafeBitCast(acc, to: Builtin.Vec16xInt32.self),
            unsafeBitCast(unsignedBytes, to: Builtin.Vec16xInt32.self),
            unsafeBitCast(signedBytes, to: Builtin.Vec16xInt32.self)),
        to: SIMD16<Int32>.self)
}

@inline(__always)
func store(_ base: UnsafeMutablePointer<Int32>, _ ldc: Int, _ r: Int, _ lo: SIMD16<Int32>, _ hi: SIMD16<Int32>) {
    let offset: Int = r &* ldc
    let raw = UnsafeMutableRawPointer(base.advanced(by: offset))
    raw.storeBytes(of: lo, as: SIMD16<Int32>.self)
    raw.storeBytes(of: hi, toByteOffset: 64, as: SIMD16<Int32>.self)
}

/// `C = A · B` over packed panels, exact Int32 accumulation.
///
/// - `a`: `mPanels` panels of layout `[k4][8 rows][4 bytes]` (signed int8 weights, zero padded).
/// - `b`: `nPanels` panels of layout `[k4][32 columns][4 bytes]` (activations as unsigned bytes,
///   i.e. int8 + 128).
/// - `c`: row-major, `mPanels*8` rows × `nPanels*32` columns at stride `ldc` (Int32 elements).
public func rppgVNNIGEMM(
    _ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ c: UnsafeMutablePointer<Int32>,
    _ mPanels: Int, _ nPanels: Int, _ k4: Int, _ ldc: Int
) {
    let z = SIMD16<Int32>(repeating: 0)
    var np = 0
    while np < nPanels {
        let bOffset: Int = np &* k4 &* 128
        let bPanel = b + bOffset
        var mp = 0
        while mp < mPanels {
            let aOffset: Int = mp &* k4 &* 32
            var pa = a + aOffset
            var pb = bPanel
            var c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z
            var c40 = z, c41 = z, c50 = z, c51 = z, c60 = z, c61 = z, c70 = z, c71 = z
            var k = 0
            while k < k4 {
                let b0 = pb.loadUnaligned(as: SIMD16<Int32>.self)
                let b1 = pb.loadUnaligned(fromByteOffset: 64, as: SIMD16<Int32>.self)
                var w = SIMD16<Int32>(repeating: pa.loadUnaligned(as: Int32.self))
                c00 = dot(c00, b0, w); c01 = dot(c01, b1, w)
                w = SIMD16<Int32>(repeating: pa.loadUnaligned(fromByteOffset: 4, as: Int32.self))
                c10 = dot(c10, b0, w); c11 = dot(c11, b1, w)
                w = SIMD16<Int32>(repeating: pa.loadUnaligned(fromByteOffset: 8, as: Int32.self))
                c20 = dot(c20, b0, w); c21 = dot(c21, b1, w)
                w = SIMD16<Int32>(repeating: pa.loadUnaligned(fromByteOffset: 12, as: Int32.self))
                c30 = dot(c30, b0, w); c31 = dot(c31, b1, w)
                w = SIMD16<Int32>(repeating: pa.loadUnaligned(fromByteOffset: 16, as: Int32.self))
                c40 = dot(c40, b0, w); c41 = dot(c41, b1, w)
                w = SIMD16<Int32>(repeating: pa.loadUnaligned(fromByteOffset: 20, as: Int32.self))
                c50 = dot(c50, b0, w); c51 = dot(c51, b1, w)
                w = SIMD16<Int32>(repeating: pa.loadUnaligned(fromByteOffset: 24, as: Int32.self))
                c60 = dot(c60, b0, w); c61 = dot(c61, b1, w)
                w = SIMD16<Int32>(repeating: pa.loadUnaligned(fromByteOffset: 28, as: Int32.self))
                c70 = dot(c70, b0, w); c71 = dot(c71, b1, w)
                pa += 32
                pb += 128
                k &+= 1
            }
            let rowIndex: Int = mp &* 8
            let offset: Int = rowIndex &* ldc &+ np &* 32
            let row: UnsafeMutablePointer<Int32> = c.advanced(by: offset)
            store(row, ldc, 0, c00, c01); store(row, ldc, 1, c10, c11)
            store(row, ldc, 2, c20, c21); store(row, ldc, 3, c30, c31)
            store(row, ldc, 4, c40, c41); store(row, ldc, 5, c50, c51)
            store(row, ldc, 6, c60, c61); store(row, ldc, 7, c70, c71)
            mp &+= 1
        }
        np &+= 1
    }
}

/// Peak probe: `iterations` rounds of 16 independent `vpdpbusd` (each 64 multiply-adds).
/// Returns a value derived from the accumulators so the loop is not removed.
public func rppgVNNIPeakLoop(_ iterations: Int) -> Int32 {
    var c = [SIMD16<Int32>](repeating: SIMD16<Int32>(repeating: 1), count: 16)
    var a0 = c[0], a1 = c[1], a2 = c[2], a3 = c[3], a4 = c[4], a5 = c[5], a6 = c[6], a7 = c[7]
    var a8 = c[8], a9 = c[9], a10 = c[10], a11 = c[11], a12 = c[12], a13 = c[13], a14 = c[14], a15 = c[15]
    let u = SIMD16<Int32>(repeating: 0x0101_0101), s = SIMD16<Int32>(repeating: 0x0102_0304)
    var i = 0
    while i < iterations {
        a0 = dot(a0, u, s); a1 = dot(a1, u, s); a2 = dot(a2, u, s); a3 = dot(a3, u, s)
        a4 = dot(a4, u, s); a5 = dot(a5, u, s); a6 = dot(a6, u, s); a7 = dot(a7, u, s)
        a8 = dot(a8, u, s); a9 = dot(a9, u, s); a10 = dot(a10, u, s); a11 = dot(a11, u, s)
        a12 = dot(a12, u, s); a13 = dot(a13, u, s); a14 = dot(a14, u, s); a15 = dot(a15, u, s)
        i &+= 1
    }
    c = [a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15]
    return c.reduce(SIMD16<Int32>(repeating: 0), &+).wrappedSum()
}
