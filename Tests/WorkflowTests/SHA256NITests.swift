import Foundation
import Testing
import Workflow

/// SHA-256 on both engines: the FIPS 180-4 example vectors on the portable engine always, and the
/// SHA-NI engine against the portable one bit for bit where the CPU has the SHA extensions.
@Suite struct SHA256NITests {
    static func hex(_ message: [UInt8], engine: SHA256Digest.Engine) -> String {
        var d = SHA256Digest(engine: engine)
        message.withUnsafeBytes { d.update($0) }
        return d.finalizeHex()
    }

    /// Feeds `message` in pieces whose sizes follow `step` (odd sizes cross block boundaries).
    static func hexInPieces(_ message: [UInt8], engine: SHA256Digest.Engine, step: (Int) -> Int) -> String {
        var d = SHA256Digest(engine: engine)
        message.withUnsafeBytes { all in
            var start = 0, piece = 0
            while start < all.count {
                let end = min(all.count, start + step(piece))
                d.update(UnsafeRawBufferPointer(rebasing: all[start..<end]))
                start = end
                piece += 1
            }
        }
        return d.finalizeHex()
    }

    static let vectors: [(message: [UInt8], digest: String)] = [
        (Array("".utf8), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        (Array("abc".utf8), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        (Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8),
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        (Array(("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn" +
                "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu").utf8),
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
        ([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000),
         "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"),
    ]

    /// The engines to check on this CPU: portable always, SHA-NI where present.
    static var engines: [SHA256Digest.Engine] {
        SHA256Digest.shaNIAvailable ? [.portable, .shaNI] : [.portable]
    }

    @Test func fipsVectorsOnEveryAvailableEngine() {
        for engine in Self.engines {
            for v in Self.vectors {
                #expect(Self.hex(v.message, engine: engine) == v.digest, "\(engine), \(v.message.count) bytes")
            }
        }
    }

    @Test func defaultEngineMatchesFIPS() {
        var d = SHA256Digest()
        d.update(Data("abc".utf8))
        #expect(d.finalizeHex() == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test(.enabled(if: SHA256Digest.shaNIAvailable, "CPU lacks the SHA extensions"))
    func shaNIMatchesPortableOnRandomLengths() {
        // Deterministic bytes (64-bit LCG, high half), so a failure reproduces.
        var lcg: UInt64 = 0x5a17_2026
        func next() -> UInt64 {
            lcg = lcg &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return lcg >> 32
        }
        var lengths = Array(0...130) + [191, 192, 193, 255, 256, 257, 1000, 4095, 4096, 4097, 10_000]
        for _ in 0..<60 { lengths.append(Int(next() % 10_001)) }
        for n in lengths {
            let message = (0..<n).map { _ in UInt8(truncatingIfNeeded: next()) }
            let portable = Self.hex(message, engine: .portable)
            #expect(Self.hex(message, engine: .shaNI) == portable, "\(n) bytes")
            let seed = Int(next() % 97)
            let odd = Self.hexInPieces(message, engine: .shaNI) { ($0 &* 37 &+ seed) % 131 + 1 }
            #expect(odd == portable, "\(n) bytes in odd pieces")
        }
    }
}
