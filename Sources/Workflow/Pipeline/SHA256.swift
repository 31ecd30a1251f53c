import Foundation
import Int8CPUID
import SHA256NI

/// SHA-256 (FIPS 180-4), for the workdir manifest. Foundation on Linux has no CryptoKit and the
/// manifest does not justify a dependency on swift-crypto.
///
/// Whole blocks are compressed straight from the caller's bytes; only a partial block is copied
/// (into `pending`), and the message schedule lives in one temporary buffer per `update` call, so
/// hashing a 64 MB dataset allocates nothing per block.
///
/// Block compression has two engines: the SHA extensions (module SHA256NI, ~10x faster) where
/// the CPU has them, else the portable Swift code below, which stays as the reference twin.
public struct SHA256Digest {
    /// Which code compresses the 64-byte blocks.
    public enum Engine: Sendable {
        /// Portable Swift (FIPS 180-4 as written); runs everywhere.
        case portable
        /// x86 SHA extensions (sha256rnds2/msg1/msg2); only where `shaNIAvailable`.
        case shaNI
    }

    /// Whether this CPU has the SHA extensions with SSSE3 and SSE4.1 (bit 8 of the CPUID query).
    public static let shaNIAvailable: Bool = rppg_int8_cpu_features() & 8 != 0

    /// The engine a plain `SHA256Digest()` uses: SHA-NI when available, unless the environment
    /// says `RPPG_SHA256=portable` (for A/B timing and for checking the portable path end to end).
    public static let preferredEngine: Engine =
        shaNIAvailable && ProcessInfo.processInfo.environment["RPPG_SHA256"] != "portable" ? .shaNI : .portable

    private let engine: Engine
    private var state: [UInt32] = [
        0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19,
    ]
    /// Bytes of an incomplete block (fewer than 64).
    private var pending: [UInt8] = []
    private var length: UInt64 = 0

    private static let k: [UInt32] = [
        0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
        0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
        0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
        0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
        0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
        0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
        0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
        0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
    ]

    public init() { engine = Self.preferredEngine }

    /// A digest on a chosen engine (tests compare the two). `.shaNI` requires `shaNIAvailable`.
    public init(engine: Engine) {
        precondition(engine == .portable || Self.shaNIAvailable, "SHA-256: this CPU lacks the SHA extensions")
        self.engine = engine
    }

    /// Feeds bytes.
    public mutating func update(_ data: Data) {
        data.withUnsafeBytes { update($0) }
    }

    /// Feeds bytes.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard var p = bytes.baseAddress, bytes.count > 0 else { return }
        var count = bytes.count
        length &+= UInt64(count)
        if !pending.isEmpty {
            let take = min(64 - pending.count, count)
            pending.append(contentsOf: UnsafeRawBufferPointer(start: p, count: take))
            p += take
            count -= take
            if pending.count < 64 { return }
            pending.withUnsafeBytes { Self.compress(engine, &state, $0.baseAddress!, blocks: 1) }
            pending.removeAll(keepingCapacity: true)
        }
        let blocks = count / 64
        if blocks > 0 { Self.compress(engine, &state, p, blocks: blocks) }
        let rest = count - blocks * 64
        if rest > 0 { pending.append(contentsOf: UnsafeRawBufferPointer(start: p + blocks * 64, count: rest)) }
    }

    /// The digest as 64 lowercase hex characters.
    public mutating func finalizeHex() -> String {
        let bitLength = length &* 8
        var tail = pending
        tail.append(0x80)
        while tail.count % 64 != 56 { tail.append(0) }
        for i in (0..<8).reversed() { tail.append(UInt8(truncatingIfNeeded: bitLength >> (UInt64(i) * 8))) }
        tail.withUnsafeBytes { Self.compress(engine, &state, $0.baseAddress!, blocks: $0.count / 64) }
        pending = []
        let digits = Array("0123456789abcdef".utf8)
        var hex: [UInt8] = []
        hex.reserveCapacity(64)
        for word in state {
            for shift in stride(from: 28, through: 0, by: -4) { hex.append(digits[Int((word >> UInt32(shift)) & 0xf)]) }
        }
        return String(decoding: hex, as: UTF8.self)
    }

    /// Compresses `blocks` consecutive 64-byte blocks at `p` into `state`, on this digest's engine.
    private static func compress(_ engine: Engine, _ state: inout [UInt32], _ p: UnsafeRawPointer, blocks: Int) {
        switch engine {
        case .shaNI: state.withUnsafeMutableBufferPointer { rppgSHA256NICompress($0.baseAddress!, p, blocks) }
        case .portable: compressPortable(&state, p, blocks: blocks)
        }
    }

    /// The portable compression (FIPS 180-4 §6.2.2), twin of `rppgSHA256NICompress`.
    private static func compressPortable(_ state: inout [UInt32], _ p: UnsafeRawPointer, blocks: Int) {
        k.withUnsafeBufferPointer { kp in
            state.withUnsafeMutableBufferPointer { h in
                withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { w in
                    let k = kp.baseAddress!, w = w.baseAddress!
                    for block in 0..<blocks {
                        let bytes = p + block * 64
                        for i in 0..<16 { w[i] = UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)) }
                        for i in 16..<64 {
                            let a = w[i - 15], c = w[i - 2]
                            let s0 = a.rotatedRight(7) ^ a.rotatedRight(18) ^ (a >> 3)
                            let s1 = c.rotatedRight(17) ^ c.rotatedRight(19) ^ (c >> 10)
                            w[i] = w[i - 16] &+ s0 &+ w[i - 7] &+ s1
                        }
                        var (a, b, c, d, e, f, g, hh) = (h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7])
                        for i in 0..<64 {
                            let s1 = e.rotatedRight(6) ^ e.rotatedRight(11) ^ e.rotatedRight(25)
                            let ch = (e & f) ^ (~e & g)
                            let t1 = hh &+ s1 &+ ch &+ k[i] &+ w[i]
                            let s0 = a.rotatedRight(2) ^ a.rotatedRight(13) ^ a.rotatedRight(22)
                            let maj = (a & b) ^ (c & (a ^ b))
                            let t2 = s0 &+ maj
                            (hh, g, f, e, d, c, b, a) = (g, f, e, d &+ t1, c, b, a, t1 &+ t2)
                        }
                        h[0] &+= a; h[1] &+= b; h[2] &+= c; h[3] &+= d
                        h[4] &+= e; h[5] &+= f; h[6] &+= g; h[7] &+= hh
                    }
                }
            }
        }
    }

    /// SHA-256 of a file, read in 4 MiB blocks into one reused buffer.
    public static func hexDigest(ofFile url: URL) throws -> String {
        let fd = open(url.path, O_RDONLY)
        guard fd >= 0 else { throw CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: url.path]) }
        defer { close(fd) }
        var digest = SHA256Digest()
        let size = 4 << 20
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 64)
        defer { buffer.deallocate() }
        while true {
            let n = read(fd, buffer, size)
            if n < 0 {
                if errno == EINTR { continue }
                throw CocoaError(.fileReadUnknown, userInfo: [NSFilePathErrorKey: url.path])
            }
            if n == 0 { break }
            digest.update(UnsafeRawBufferPointer(start: buffer, count: n))
        }
        return digest.finalizeHex()
    }
}

extension UInt32 {
    @inline(__always) fileprivate func rotatedRight(_ n: UInt32) -> UInt32 { (self >> n) | (self << (32 - n)) }
}
