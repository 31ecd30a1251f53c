// Activation packing for the VNNI micro-kernel: four rows of an int8 block become the
// `[32 columns][4 bytes]` quads `vpdpbusd` reads, as unsigned bytes (x + 128 = x ^ 0x80).
// One `vpermi2b` (AVX-512 VBMI, present on every AVX-512 VNNI CPU) per 16 columns does the
// 4 × 32 byte transpose; the scalar loop this replaces was the largest cost of an int8 conv.
import Swift

typealias Bytes64 = Builtin.Vec64xInt8

@inline(__always)
func permute(_ a: Bytes64, _ index: Bytes64, _ b: Bytes64) -> Bytes64 {
    // vpermi2b: result[i] = (index[i] & 64 == 0 ? a : b)[index[i] & 63]
    Builtin.int_x86_avx512_vpermi2var_qi_512(a, index, b)
}

/// Transposes a 4 × 32 byte tile (`a` = rows 0|1, `b` = rows 2|3) into column quads. Builtin
/// vector operations throughout: Swift's generic SIMD64 operators compile to per-lane loops.
@inline(__always)
func storeQuads(_ a: Bytes64, _ b: Bytes64, _ low: Bytes64, _ high: Bytes64, _ flip: Bytes64,
                _ out: UnsafeMutableRawPointer) {
    out.storeBytes(of: unsafeBitCast(Builtin.xor_Vec64xInt8(permute(a, low, b), flip), to: SIMD64<UInt8>.self),
                   as: SIMD64<UInt8>.self)
    out.storeBytes(of: unsafeBitCast(Builtin.xor_Vec64xInt8(permute(a, high, b), flip), to: SIMD64<UInt8>.self),
                   toByteOffset: 64, as: SIMD64<UInt8>.self)
}

@inline(__always)
func load32(_ p: UnsafeRawPointer) -> SIMD32<UInt8> {
    p.loadUnaligned(as: SIMD32<UInt8>.self)
}

@inline(__always)
func rowPair(_ first: UnsafeRawPointer, _ second: UnsafeRawPointer) -> Bytes64 {
    unsafeBitCast(SIMD64<UInt8>(lowHalf: load32(first), highHalf: load32(second)), to: Bytes64.self)
}

/// Packs `rows` rows (row stride `ldx`) × `count` columns of `x` into VNNI panels.
/// Row group `q` (rows `4q…4q+3`) of panel `p` goes to `dst + p·panelStride + q·128`.
/// Missing rows of the last group repeat the last row (their weights are zero, so any value
/// works); columns past `count` in the last panel are packed as x = 0.
public func rppgVNNIPackRows(
    _ x: UnsafePointer<Int8>, _ ldx: Int, _ rows: Int, _ count: Int,
    _ dst: UnsafeMutableRawPointer, _ panelStride: Int
) {
    withUnsafeTemporaryAllocation(byteCount: 384, alignment: 16) { scratch in
        let table = scratch.baseAddress!
        // Output byte 4c + t of a 16-column half reads row t, column c: index t·32 + c (+16).
        for i in 0..<64 {
            table.storeBytes(of: UInt8(truncatingIfNeeded: (i & 3) &* 32 &+ (i >> 2)), toByteOffset: i, as: UInt8.self)
            table.storeBytes(of: UInt8(truncatingIfNeeded: (i & 3) &* 32 &+ (i >> 2) &+ 16), toByteOffset: 64 &+ i,
                             as: UInt8.self)
            table.storeBytes(of: 0x80, toByteOffset: 128 &+ i, as: UInt8.self)
        }
        let low = unsafeBitCast(table.loadUnaligned(as: SIMD64<UInt8>.self), to: Bytes64.self)
        let high = unsafeBitCast(table.loadUnaligned(fromByteOffset: 64, as: SIMD64<UInt8>.self), to: Bytes64.self)
        let flip = unsafeBitCast(table.loadUnaligned(fromByteOffset: 128, as: SIMD64<UInt8>.self), to: Bytes64.self)
        let tail = table + 256
        let full = count / 32
        let rest = count &- full &* 32
        let groups = (rows + 3) / 4
        for q in 0..<groups {
            let base = 4 &* q
            let r0 = UnsafeRawPointer(x + base &* ldx)
            let r1 = UnsafeRawPointer(x + min(base &+ 1, rows &- 1) &* ldx)
            let r2 = UnsafeRawPointer(x + min(base &+ 2, rows &- 1) &* ldx)
            let r3 = UnsafeRawPointer(x + min(base &+ 3, rows &- 1) &* ldx)
            var out = dst + q &* 128
            var c = 0
            for _ in 0..<full {
                storeQuads(rowPair(r0 + c, r1 + c), rowPair(r2 + c, r3 + c), low, high, flip, out)
                out += panelStride
                c &+= 32
            }
            if rest > 0 {
                // Partial panel: copy into zeroed rows (0 ^ 0x80 is the x = 0 byte), then as above.
                tail.initializeMemory(as: UInt8.self, repeating: 0, count: 128)
                tail.copyMemory(from: r0 + c, byteCount: rest)
                (tail + 32).copyMemory(from: r1 + c, byteCount: rest)
                (tail + 64).copyMemory(from: r2 + c, byteCount: rest)
                (tail + 96).copyMemory(from: r3 + c, byteCount: rest)
                storeQuads(rowPair(tail, tail + 32), rowPair(tail + 64, tail + 96), low, high, flip, out)
            }
        }
    }
}
