import Swift

/// Packs columns `[0, count)` of the int8 block `x` (`k` rows, stride `ldx`) into VNNI panels
/// `[panel][k4][32 columns][4 bytes]` as unsigned bytes (`x + 128`); padding is `0x80` (x = 0).
/// Compiled here (icelake-server) so that the 4-row interleave vectorises with AVX-512.
public func rppgVNNIPackActivations(
    _ x: UnsafePointer<Int8>, _ k: Int, _ count: Int, _ ldx: Int, _ dst: UnsafeMutablePointer<UInt8>
) {
    let panels = (count + 31) / 32
    let groups = (k + 3) / 4
    var p = 0
    while p < panels {
        let n0 = p &* 32
        let width = Swift.min(32, count &- n0)
        var kg = 0
        while kg < groups {
            let offset: Int = (p &* groups &+ kg) &* 128
            let base = dst + offset
            let row0: Int = kg &* 4
            if width == 32 && row0 &+ 3 < k {
                let r0 = UnsafeRawPointer(x + (row0 &* ldx &+ n0))
                let stride: Int = ldx
                let a = r0.loadUnaligned(as: SIMD32<UInt8>.self) ^ 0x80
                let b = (r0 + stride).loadUnaligned(as: SIMD32<UInt8>.self) ^ 0x80
                let c = (r0 + 2 &* stride).loadUnaligned(as: SIMD32<UInt8>.self) ^ 0x80
                let d = (r0 + 3 &* stride).loadUnaligned(as: SIMD32<UInt8>.self) ^ 0x80
                var j = 0
                while j < 32 {
                    let o: Int = j &* 4
                    base[o] = a[j]
                    base[o &+ 1] = b[j]
                    base[o &+ 2] = c[j]
                    base[o &+ 3] = d[j]
                    j &+= 1
                }
            } else {
                var j = 0
                while j < 32 {
                    var t = 0
                    while t < 4 {
                        let row: Int = row0 &+ t
                        let inside = row < k && j < width
                        let index: Int = row &* ldx &+ n0 &+ j
                        base[j &* 4 &+ t] = inside ? UInt8(bitPattern: x[index]) ^ 0x80 : 0x80
                        t &+= 1
                    }
                    j &+= 1
                }
            }
            kg &+= 1
        }
        p &+= 1
    }
}
