import Foundation
import Testing
import Workflow

/// The SHA-256 block path on long inputs, and the per-run digest cache of the pipeline.
@Suite struct FileHashesTests {
    static func tempDir() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rppg-hashes-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func millionAsInOddPieces() {
        // FIPS 180-2 appendix B.3: one million 'a'.
        let message = Data(repeating: UInt8(ascii: "a"), count: 1_000_000)
        let want = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        var whole = SHA256Digest()
        whole.update(message)
        #expect(whole.finalizeHex() == want)
        var pieces = SHA256Digest()
        var start = 0, step = 1
        while start < message.count {
            let end = min(message.count, start + step)
            pieces.update(message[start..<end])
            start = end
            step = step * 3 % 997 + 1
        }
        #expect(pieces.finalizeHex() == want)
    }

    @Test func eachFileIsHashedOnceAndChangesAreSeen() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("data.bin")
        try Data((0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }).write(to: file)
        let hashes = FileHashes()
        hashes.prefetch([file, dir.appendingPathComponent("missing")])
        let first = try hashes.hexDigest(ofFile: file)
        #expect(first == (try SHA256Digest.hexDigest(ofFile: file)))
        #expect(hashes.isReady([file]))
        #expect(!hashes.isReady([dir.appendingPathComponent("missing")]))
        #expect(throws: (any Error).self) { try hashes.hexDigest(ofFile: dir.appendingPathComponent("missing")) }

        // Replaced atomically (a new inode): the cache sees a different file.
        try Data("other".utf8).write(to: file, options: .atomic)
        #expect(try hashes.hexDigest(ofFile: file) == (try SHA256Digest.hexDigest(ofFile: file)))
        #expect(try hashes.hexDigest(ofFile: file) != first)

        // Rewritten in place with the same size: forget() makes the next call read it again.
        try Data("OTHER".utf8).write(to: file)
        hashes.forget([file])
        #expect(try hashes.hexDigest(ofFile: file) == (try SHA256Digest.hexDigest(ofFile: file)))
    }

    @Test func manifestWithASharedCacheAgreesWithFreshHashes() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.pt"), output = dir.appendingPathComponent("out.onnx")
        try Data("input".utf8).write(to: input)
        try Data("output".utf8).write(to: output)
        let hashes = FileHashes()
        var shared = Manifest(), fresh = Manifest()
        try shared.record(step: "s", outputs: [output], inputs: [input], relativeTo: dir, hashes: hashes)
        try fresh.record(step: "s", outputs: [output], inputs: [input], relativeTo: dir)
        #expect(shared.files["out.onnx"]?.sha256 == fresh.files["out.onnx"]?.sha256)
        #expect(shared.files["out.onnx"]?.inputs == fresh.files["out.onnx"]?.inputs)
        #expect(shared.isCurrent(outputs: [output], inputs: [input], relativeTo: dir, hashes: hashes))
    }
}
