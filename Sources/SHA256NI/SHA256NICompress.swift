// SHA-256 block compression with the x86 SHA extensions (sha256rnds2 / sha256msg1 / sha256msg2).
// This module is compiled with `-parse-stdlib` (LLVM intrinsics through `Builtin`) and
// `-target-cpu goldmont` (SSE4.2 + SHA, no AVX), so nothing here needs more than what the SHA
// check in Workflow (`SHA256Digest.useSHANI`) has confirmed at run time. The portable twin is
// `SHA256Digest.compressPortable`; tests compare the two bit for bit.
//
// Layout of the working state (what sha256rnds2 expects), lane 0 first:
//   abef = [f, e, b, a]   cdgh = [h, g, d, c]
// One sha256rnds2 does two rounds with the two (W + K) words in lanes 0 and 1 of its third operand,
// so each group of four rounds calls it twice: once on lanes 0–1, once on lanes 2–3.
import Swift

typealias Words = SIMD4<UInt32>

@inline(__always)
func roundsTwo(_ cdgh: Words, _ abef: Words, _ wk: Words) -> Words {
    unsafeBitCast(
        Builtin.int_x86_sha256rnds2(
            unsafeBitCast(cdgh, to: Builtin.Vec4xInt32.self),
            unsafeBitCast(abef, to: Builtin.Vec4xInt32.self),
            unsafeBitCast(wk, to: Builtin.Vec4xInt32.self)),
        to: Words.self)
}

/// W[t-16] + σ0(W[t-15]) for the four words t of the next-but-three group.
@inline(__always)
func scheduleSigma0(_ older: Words, _ old: Words) -> Words {
    unsafeBitCast(
        Builtin.int_x86_sha256msg1(
            unsafeBitCast(older, to: Builtin.Vec4xInt32.self),
            unsafeBitCast(old, to: Builtin.Vec4xInt32.self)),
        to: Words.self)
}

/// Adds σ1(W[t-2]) (including the words this group itself produces) to finish W[t].
@inline(__always)
func scheduleSigma1(_ partial: Words, _ previous: Words) -> Words {
    unsafeBitCast(
        Builtin.int_x86_sha256msg2(
            unsafeBitCast(partial, to: Builtin.Vec4xInt32.self),
            unsafeBitCast(previous, to: Builtin.Vec4xInt32.self)),
        to: Words.self)
}

/// Loads 16 message bytes as four big-endian words (pshufb reverses the bytes of each word).
@inline(__always)
func loadBigEndian(_ p: UnsafeRawPointer) -> Words {
    let bytes = p.loadUnaligned(as: SIMD16<UInt8>.self)
    let swapWithinWords = SIMD16<UInt8>(3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12)
    return unsafeBitCast(
        Builtin.int_x86_ssse3_pshuf_b_128(
            unsafeBitCast(bytes, to: Builtin.Vec16xInt8.self),
            unsafeBitCast(swapWithinWords, to: Builtin.Vec16xInt8.self)),
        to: Words.self)
}

/// Four rounds: W+K in lanes 0–1 first, then lanes 2–3 moved down.
@inline(__always)
func roundsFour(_ abef: inout Words, _ cdgh: inout Words, _ wk: Words) {
    cdgh = roundsTwo(cdgh, abef, wk)
    abef = roundsTwo(abef, cdgh, Words(wk[2], wk[3], wk[2], wk[3]))
}

/// The 64 round constants K (FIPS 180-4 §4.2.2), four per group of rounds.
let roundConstants: [Words] = [
    Words(0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5), Words(0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5),
    Words(0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3), Words(0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174),
    Words(0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc), Words(0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da),
    Words(0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7), Words(0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967),
    Words(0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13), Words(0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85),
    Words(0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3), Words(0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070),
    Words(0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5), Words(0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3),
    Words(0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208), Words(0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2),
]

/// Compresses `count` consecutive 64-byte blocks at `blocks` into `state` (eight words a…h, the
/// FIPS order). Call only when the CPU has SHA, SSSE3 and SSE4.1.
public func rppgSHA256NICompress(_ state: UnsafeMutablePointer<UInt32>, _ blocks: UnsafeRawPointer, _ count: Int) {
    var abef = Words(state[5], state[4], state[1], state[0])
    var cdgh = Words(state[7], state[6], state[3], state[2])
    roundConstants.withUnsafeBufferPointer { kBuffer in
        let k = kBuffer.baseAddress!
        var block = 0
        while block < count {
            let p = blocks + block &* 64
            let abefIn = abef, cdghIn = cdgh
            // Rolling window of the last four schedule groups: w0 = W[4g-16…], …, w3 = W[4g-4…].
            var w0 = loadBigEndian(p)
            var w1 = loadBigEndian(p + 16)
            var w2 = loadBigEndian(p + 32)
            var w3 = loadBigEndian(p + 48)
            roundsFour(&abef, &cdgh, w0 &+ k[0])
            roundsFour(&abef, &cdgh, w1 &+ k[1])
            roundsFour(&abef, &cdgh, w2 &+ k[2])
            roundsFour(&abef, &cdgh, w3 &+ k[3])
            var group = 4
            while group < 16 {
                // W[t] = σ1(W[t-2]) + W[t-7] + σ0(W[t-15]) + W[t-16]; W[t-7] for the four t is
                // the last three words of w2 followed by the first of w3 (palignr's job).
                let minus7 = Words(w2[1], w2[2], w2[3], w3[0])
                let next = scheduleSigma1(scheduleSigma0(w0, w1) &+ minus7, w3)
                roundsFour(&abef, &cdgh, next &+ k[group])
                (w0, w1, w2, w3) = (w1, w2, w3, next)
                group &+= 1
            }
            abef &+= abefIn
            cdgh &+= cdghIn
            block &+= 1
        }
    }
    state[0] = abef[3]; state[1] = abef[2]; state[4] = abef[1]; state[5] = abef[0]
    state[2] = cdgh[3]; state[3] = cdgh[2]; state[6] = cdgh[1]; state[7] = cdgh[0]
}
