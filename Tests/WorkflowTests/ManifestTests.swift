import Foundation
import Testing
import Workflow

/// SHA-256 against FIPS 180-2 test vectors, and the manifest's up-to-date rule.
@Suite struct ManifestTests {
    static func hex(_ s: String) -> String {
        var d = SHA256Digest()
        d.update(Data(s.utf8))
        return d.finalizeHex()
    }

    @Test func sha256KnownVectors() {
        #expect(Self.hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Self.hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(Self.hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        // Fed in pieces that straddle the 64-byte block boundary: the same digest.
        let message = String(repeating: "0123456789", count: 20)
        var d = SHA256Digest()
        let bytes = Data(message.utf8)
        for start in stride(from: 0, to: bytes.count, by: 37) { d.update(bytes[start..<min(start + 37, bytes.count)]) }
        #expect(d.finalizeHex() == Self.hex(message))
    }

    @Test func sha256OfAFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rppg-sha-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("abc.txt")
        try Data("abc".utf8).write(to: url)
        #expect(try SHA256Digest.hexDigest(ofFile: url) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func manifestRecordsAndDetectsChanges() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rppg-manifest-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("models"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.pt"), output = dir.appendingPathComponent("models/out.onnx")
        try Data("input v1".utf8).write(to: input)
        try Data("output".utf8).write(to: output)

        var m = Manifest()
        #expect(!m.isCurrent(outputs: [output], inputs: [input], relativeTo: dir))
        try m.record(step: "export", outputs: [output], inputs: [input], relativeTo: dir)
        let entry = try #require(m.files["models/out.onnx"])
        #expect(entry.step == "export")
        #expect(entry.bytes == 6)
        #expect(entry.sha256 == (try SHA256Digest.hexDigest(ofFile: output)))
        #expect(entry.inputs["in.pt"] == (try SHA256Digest.hexDigest(ofFile: input)))
        #expect(m.isCurrent(outputs: [output], inputs: [input], relativeTo: dir))
        #expect(!m.isCurrent(outputs: [], inputs: [input], relativeTo: dir))

        // Saved and loaded: the same entries.
        let url = dir.appendingPathComponent("manifest.json")
        try m.save(url)
        let loaded = Manifest.load(url)
        #expect(loaded.files == m.files)

        // A changed input or a changed output makes the step stale.
        try Data("input v2".utf8).write(to: input)
        #expect(!loaded.isCurrent(outputs: [output], inputs: [input], relativeTo: dir))
        try Data("input v1".utf8).write(to: input)
        #expect(loaded.isCurrent(outputs: [output], inputs: [input], relativeTo: dir))
        try Data("edited".utf8).write(to: output)
        #expect(!loaded.isCurrent(outputs: [output], inputs: [input], relativeTo: dir))

        // A damaged manifest is an empty one (it is a cache), not a crash.
        try Data("{not json".utf8).write(to: url)
        #expect(Manifest.load(url).files.isEmpty)
    }
}
