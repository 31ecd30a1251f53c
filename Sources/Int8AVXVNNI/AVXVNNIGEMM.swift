// AVX-VNNI (256-bit, VEX-encoded `vpdpbusd ymm`) int8 GEMM for CPUs that have it without
// AVX-512 (Alder Lake and later client cores, Zen 5 builds that disable AVX-512). Compiled with
// `-parse-stdlib -target-cpu haswell` plus the `avxvnni` target feature; Kernels calls it only
// after `Int8Dispatch` has confirmed AVX-VNNI at run time. The loop mirrors AVX2GEMM's 4 × 24
// tile (another instruction in the same register budget); it cannot live in that module, whose
// code must not be compiled with AVX-VNNI enabled (the compiler may then emit it anywhere).
import Swift

/// Rows of the packed-A panel.
public let rppgAVXVNNIRowsPerPanel = 4
/// Columns of the packed-B panel: three 8-lane vectors.
public let rppgAVXVNNIColumnsPerPanel = 24

@inline(__always)
func dot(_ acc: SIMD8<Int32>, _ unsignedBytes: SIMD8<Int32>, _ signedBytes: SIMD8<Int32>) -> SIMD8<Int32> {
    // {vex} vpdpbusd: acc[i] += Σ_{j<4} u8(unsignedBytes[i].byte j) · s8(signedBytes[i].byte j)
    unsafeBitCast(
        Builtin.int_x86_avx512_vpdpbusd_256(
            unsafeBitCast(acc, to: Builtin.Vec8xInt32.self),
            unsafeBitCast(unsignedBytes, to: Builtin.Vec8xInt32.self),
            unsafeBitCast(signedBytes, to: Builtin.Vec8xInt32.self)),
        to: SIMD8<Int32>.self)
}

@inline(__always)
func store(_ base: UnsafeMutablePointer<Int32>, _ ldc: Int, _ r: Int, _ a: SIMD8<Int32>, _ b: SIMD8<Int32>, _ c: SIMD8<Int32>) {
    let offset: Int = r &* ldc
    let raw = UnsafeMutableRawPointer(base.advanced(by: offset))
    raw.storeBytes(of: a, as: SIMD8<Int32>.self)
    raw.storeBytes(of: b, toByteOffset: 32, as: SIMD8<Int32>.self)
    raw.storeBytes(of: c, toByteOffset: 64, as: SIMD8<Int32>.self)
}

/// `C = A · B` over packed panels, exact Int32 accumulation.
/// - `a`: `mPanels` panels `[k4][4 rows][4 bytes]` (signed weights, zero padded).
/// - `b`: `nPanels` panels `[k4][24 columns][4 bytes]` (activations + 128 as unsigned bytes).
/// - `c`: row-major `mPanels*4` × `nPanels*24` at stride `ldc`.
public func rppgAVXVNNIGEMM(
    _ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ c: UnsafeMutablePointer<Int32>,
    _ mPanels: Int, _ nPanels: Int, _ k4: Int, _ ldc: Int
) {
    let z = SIMD8<Int32>(repeating: 0)
    var np = 0
    while np < nPanels {
        let bOffset: Int = np &* k4 &* 96
        let bPanel = b + bOffset
        var mp = 0
        while mp < mPanels {
            let aOffset: Int = mp &* k4 &* 16
            var pa = a + aOffset
            var pb = bPanel
            var c00 = z, c01 = z, c02 = z, c10 = z, c11 = z, c12 = z
            var c20 = z, c21 = z, c22 = z, c30 = z, c31 = z, c32 = z
            var k = 0
            while k < k4 {
                let b0 = pb.loadUnaligned(as: SIMD8<Int32>.self)
                let b1 = pb.loadUnaligned(fromByteOffset: 32, as: SIMD8<Int32>.self)
                let b2 = pb.loadUnaligned(fromByteOffset: 64, as: SIMD8<Int32>.self)
                var w = SIMD8<Int32>(repeating: pa.loadUnaligned(as: Int32.self))
                c00 = dot(c00, b0, w); c01 = dot(c01, b1, w); c02 = dot(c02, b2, w)
                w = SIMD8<Int32>(repeating: pa.loadUnaligned(fromByteOffset: 4, as: Int32.self))
                c10 = dot(c10, b0, w); c11 = dot(c11, b1, w); c12 = dot(c12, b2, w)
                w = SIMD8<Int32>(repeating: pa.loadUnaligned(fromByteOffset: 8, as: Int32.self))
                c20 = dot(c20, b0, w); c21 = dot(c21, b1, w); c22 = dot(c22, b2, w)
                w = SIMD8<Int32>(repeating: pa.loadUnaligned(fromByteOffset: 12, as: Int32.self))
                c30 = dot(c30, b0, w); c31 = dot(c31, b1, w); c32 = dot(c32, b2, w)
                pa += 16
                pb += 96
                k &+= 1
            }
            let rowIndex: Int = mp &* 4
            let offset: Int = rowIndex &* ldc &+ np &* 24
            let row: UnsafeMutablePointer<Int32> = c.advanced(by: offset)
            store(row, ldc, 0, c00, c01, c02); store(row, ldc, 1, c10, c11, c12)
            store(row, ldc, 2, c20, c21, c22); store(row, ldc, 3, c30, c31, c32)
            mp &+= 1
        }
        np &+= 1
    }
}

/// Packs `rows` rows (row stride `ldx`) × `count` columns of `x` into AVX-VNNI panels of
/// unsigned quads (x ^ 0x80 = x + 128). Row group `q` of panel `p` goes to
/// `dst + p·panelStride + q·96`. Missing rows repeat the last row (zero weights); columns past
/// `count` are packed as x = 0. A plain interleave loop: the compiler vectorises it for AVX2.
public func rppgAVXVNNIPackRows(
    _ x: UnsafePointer<Int8>, _ ldx: Int, _ rows: Int, _ count: Int,
    _ dst: UnsafeMutableRawPointer, _ panelStride: Int
) {
    let full = count / 24
    let groups = (rows + 3) / 4
    for q in 0..<groups {
        let base = 4 &* q
        let r0 = x + base &* ldx
        let r1 = x + min(base &+ 1, rows &- 1) &* ldx
        let r2 = x + min(base &+ 2, rows &- 1) &* ldx
        let r3 = x + min(base &+ 3, rows &- 1) &* ldx
        var out = (dst + q &* 96).assumingMemoryBound(to: UInt8.self)
        var c = 0
        for _ in 0..<full {
            for j in 0..<24 {
                out[4 &* j] = UInt8(bitPattern: r0[c &+ j]) ^ 0x80
                out[4 &* j &+ 1] = UInt8(bitPattern: r1[c &+ j]) ^ 0x80
                out[4 &* j &+ 2] = UInt8(bitPattern: r2[c &+ j]) ^ 0x80
                out[4 &* j &+ 3] = UInt8(bitPattern: r3[c &+ j]) ^ 0x80
            }
            out += panelStride
            c &+= 24
        }
        let rest = count &- c
        if rest > 0 {
            for j in 0..<24 {
                let inside = j < rest
                out[4 &* j] = inside ? UInt8(bitPattern: r0[c &+ j]) ^ 0x80 : 0x80
                out[4 &* j &+ 1] = inside ? UInt8(bitPattern: r1[c &+ j]) ^ 0x80 : 0x80
                out[4 &* j &+ 2] = inside ? UInt8(bitPattern: r2[c &+ j]) ^ 0x80 : 0x80
                out[4 &* j &+ 3] = inside ? UInt8(bitPattern: r3[c &+ j]) ^ 0x80 : 0x80
            }
        }
    }
}
