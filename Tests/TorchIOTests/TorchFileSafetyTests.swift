import Foundation
import TensorCore
import Testing
import TorchIO

/// Malicious and damaged files are refused with one clear sentence naming the problem.
@Suite struct TorchFileSafetyTests {
    @Test(arguments: ["evil_global", "evil_stack_global", "evil_eval", "evil_popen", "numpy_scalar"])
    func disallowedGlobalIsRejectedByName(_ name: String) throws {
        let global = try Fixtures.text("\(name).global.txt")
        let error = try #require(throws: TorchIOError.self) { try TorchFile.load(Fixtures.url("\(name).pt")) }
        #expect(error.description.contains("'\(global)'"))
        #expect(error.description.contains("\(name).pt"))
    }

    @Test func unknownGlobalIsKeptInertOnRequest() throws {
        let value = try TorchFile.load(Fixtures.url("evil_global.pt"), options: LoadOptions(keepUnknownGlobals: true))
        #expect(value == .opaque(global: "posix.system", arguments: [.string("echo pwned")]))
    }

    @Test func missingFile() throws {
        let error = try #require(throws: TorchIOError.self) { try TorchFile.load(URL(fileURLWithPath: "/nonexistent/model.pth")) }
        #expect(error.description == "/nonexistent/model.pth: no such file; check the path.")
    }

    @Test func notAPyTorchFile() throws {
        let dir = try Fixtures.temporaryFolder()
        let url = dir.appendingPathComponent("notes.pth")
        try Data("just some text, not a checkpoint\n".utf8).write(to: url)
        let error = try #require(throws: TorchIOError.self) { try TorchFile.load(url) }
        #expect(error.description.contains("not a PyTorch checkpoint"))
    }

    @Test func truncatedFile() throws {
        let dir = try Fixtures.temporaryFolder()
        let url = dir.appendingPathComponent("cut.pt")
        let full = try Data(contentsOf: Fixtures.url("views.pt"))
        try full.prefix(full.count / 2).write(to: url)
        let error = try #require(throws: TorchIOError.self) { try TorchFile.load(url) }
        #expect(error.description.contains("truncated"))
    }

    @Test func truncatedLegacyFile() throws {
        let dir = try Fixtures.temporaryFolder()
        let url = dir.appendingPathComponent("cut.pt")
        let full = try Data(contentsOf: Fixtures.url("legacy.pt"))
        try full.prefix(full.count - 10).write(to: url)
        let error = try #require(throws: TorchIOError.self) { try TorchFile.load(url) }
        #expect(error.description.contains("truncated"))
    }

    @Test func crcMismatchNamesTheRecord() throws {
        let dir = try Fixtures.temporaryFolder()
        let url = dir.appendingPathComponent("flipped.pt")
        let marker = [UInt8](repeating: 0xAB, count: 64)
        try TorchFile.save(.stringDict([("w", .tensor(Tensor(shape: [64], scalars: marker)))]), to: url)
        var bytes = [UInt8](try Data(contentsOf: url))
        let at = try #require(bytes.indices.first { bytes[$0..<min($0 + 64, bytes.count)].elementsEqual(marker) })
        bytes[at + 10] ^= 0x01
        try Data(bytes).write(to: url)
        let error = try #require(throws: TorchIOError.self) { try TorchFile.load(url) }
        #expect(error.description.contains("CRC32 mismatch in record archive/data/0"))
    }

    @Test func storageSmallerThanTheViewIsAnError() throws {
        // Made by the fixture script: size (100,) over a 6-element float storage (torch refuses it too).
        let error = try #require(throws: TorchIOError.self) { try TorchFile.load(Fixtures.url("oversized_view.pt")) }
        #expect(error.description.contains("needs 400 bytes but storage 0 has 24"))
    }
}
