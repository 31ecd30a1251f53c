// AVX2 int8 GEMM micro-kernel (int16 pairs through `vpmaddwd`, exact: no int16 saturation,
// unlike `vpmaddubsw`). Compiled with `-parse-stdlib -target-cpu haswell`; Kernels calls it only
// after `Int8Dispatch` has confirmed AVX2 at run time.
import Swift

/// Rows of the packed-A panel.
public let rppgAVX2RowsPerPanel = 4
/// Columns of the packed-B panel: three 8-lane vectors.
public let rppgAVX2ColumnsPerPanel = 24

@inline(__always)
func madd(_ acc: SIMD8<Int32>, _ b: SIMD8<Int32>, _ a: SIMD8<Int32>) -> SIMD8<Int32> {
    // vpmaddwd: lane i = b.lo16·a.lo16 + b.hi16·a.hi16 (signed, exact in Int32).
    acc &+ unsafeBitCast(
        Builtin.int_x86_avx2_pmadd_wd(
            unsafeBitCast(b, to: Builtin.Vec16xInt16.self), unsafeBitCast(a, to: Builtin.Vec16xInt16.self)),
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

/// `C = A · B` over packed panels.
/// - `a`: `mPanels` panels `[k2][4 rows][2 × Int16]`; `b`: `nPanels` panels `[k2][24 columns][2 × Int16]`.
/// - `c`: row-major `mPanels*4` × `nPanels*24` at stride `ldc`.
public func rppgAVX2GEMM(
    _ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ c: UnsafeMutablePointer<Int32>,
    _ mPanels: Int, _ nPanels: Int, _ k2: Int, _ ldc: Int
) {
    let z = SIMD8<Int32>(repeating: 0)
    var np = 0
    while np < nPanels {
        let bOffset: Int = np &* k2 &* 96
        let bPanel = b + bOffset
        var mp = 0
        while mp < mPanels {
            let aOffset: Int = mp &* k2 &* 16
            var pa = a + aOffset
            var pb = bPanel
            var c00 = z, c01 = z, c02 = z, c10 = z, c11 = z, c12 = z
            var c20 = z, c21 = z, c22 = z, c30 = z, c31 = z, c32 = z
            var k = 0
            while k < k2 {
                let b0 = pb.loadUnaligned(as: SIMD8<Int32>.self)
                let b1 = pb.loadUnaligned(fromByteOffset: 32, as: SIMD8<Int32>.self)
                let b2 = pb.loadUnaligned(fromByteOffset: 64, as: SIMD8<Int32>.self)
                var w = SIMD8<Int32>(repeating: pa.loadUnaligned(as: Int32.self))
                c00 = madd(c00, b0, w); c01 = madd(c01, b1, w); c02 = madd(c02, b2, w)
                w = SIMD8<Int32>(repeating: pa.loadUnaligned(fromByteOffset: 4, as: Int32.self))
                c10 = madd(c10, b0, w); c11 = madd(c11, b1, w); c12 = madd(c12, b2, w)
                w = SIMD8<Int32>(repeating: pa.loadUnaligned(fromByteOffset: 8, as: Int32.self))
                c20 = madd(c20, b0, w); c21 = madd(c21, b1, w); c22 = madd(c22, b2, w)
                w = SIMD8<Int32>(repeating: pa.loadUnaligned(fromByteOffset: 12, as: Int32.self))
                c30 = madd(c30, b0, w); c31 = madd(c31, b1, w); c32 = madd(c32, b2, w)
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

/// Peak probe for the benchmark: `iterations` rounds of 12 independent `vpmaddwd` + `vpaddd`
/// (16 multiply-adds each) in the shape of the direct kernel's inner step: two activation
/// vectors and six broadcast pairs loaded from L1 per round. The load address moves every round
/// so the products cannot be hoisted out of the loop. Returns a checksum.
public func rppgAVX2PairPeakLoop(_ iterations: Int) -> Int32 {
    withUnsafeTemporaryAllocation(byteCount: 512, alignment: 64) { scratch in
        let base = scratch.baseAddress!
        base.initializeMemory(as: UInt8.self, repeating: 3, count: 512)
        let z = SIMD8<Int32>(repeating: 0)
        var c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z, c40 = z, c41 = z, c50 = z, c51 = z
        var i = 0
        while i < iterations {
            let p = UnsafeRawPointer(base + (i & 7) &* 4)
            let b0 = p.loadUnaligned(as: SIMD8<Int32>.self), b1 = p.loadUnaligned(fromByteOffset: 32, as: SIMD8<Int32>.self)
            @inline(__always) func weight(_ r: Int) -> SIMD8<Int32> {
                SIMD8<Int32>(repeating: p.loadUnaligned(fromByteOffset: 128 &+ 4 &* r, as: Int32.self))
            }
            var q = weight(0)
            c00 = madd(c00, b0, q); c01 = madd(c01, b1, q)
            q = weight(1); c10 = madd(c10, b0, q); c11 = madd(c11, b1, q)
            q = weight(2); c20 = madd(c20, b0, q); c21 = madd(c21, b1, q)
            q = weight(3); c30 = madd(c30, b0, q); c31 = madd(c31, b1, q)
            q = weight(4); c40 = madd(c40, b0, q); c41 = madd(c41, b1, q)
            q = weight(5); c50 = madd(c50, b0, q); c51 = madd(c51, b1, q)
            i &+= 1
        }
        let s0 = (c00 &+ c01) &+ (c10 &+ c11) &+ (c20 &+ c21), s1 = (c30 &+ c31) &+ (c40 &+ c41) &+ (c50 &+ c51)
        return (s0 &+ s1).wrappedSum()
    }
}

/// Peak probe for the benchmark: `iterations` rounds of 12 independent FMAs on 8 floats.
public func rppgFMAPeakLoop(_ iterations: Int) -> Float {
    var a0 = SIMD8<Float>(repeating: 1), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0
    var a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0
    let m = SIMD8<Float>(repeating: 0.999999), add = SIMD8<Float>(repeating: 1e-7)
    var i = 0
    while i < iterations {
        a0 = a0.addingProduct(m, add); a1 = a1.addingProduct(m, add); a2 = a2.addingProduct(m, add)
        a3 = a3.addingProduct(m, add); a4 = a4.addingProduct(m, add); a5 = a5.addingProduct(m, add)
        a6 = a6.addingProduct(m, add); a7 = a7.addingProduct(m, add); a8 = a8.addingProduct(m, add)
        a9 = a9.addingProduct(m, add); a10 = a10.addingProduct(m, add); a11 = a11.addingProduct(m, add)
        i &+= 1
    }
    var s = a0 + a1
    s += a2 + a3
    s += a4 + a5
    s += a6 + a7
    s += a8 + a9
    s += a10 + a11
    return s.sum()
}
