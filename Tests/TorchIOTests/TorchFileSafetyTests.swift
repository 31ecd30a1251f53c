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
        let value = try TorchFile.load(
            Fixtures.url("evil_global.pt"), options: LoadOptions(keepUnknownGlobals: true))
        #expect(value == .opaque(global: "posix.system", arguments: [.string("echo pwned")]))
    }

    @Test func missingFile() throws {
        let error = try #require(throws: TorchIOError.self) {
            try TorchFile.load(URL(fileURLWithPath: "/nonexistent/model.pth"))
        }
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
        let at = try #require(
            bytes.indices.first { bytes[$0..<min($0 + 64, bytes.count)].elementsEqual(marker) })
        bytes[at + 10] ^= 0x01
        try Data(bytes).write(to: url)
        let error = try #require(throws: TorchIOError.self) { try TorchFile.load(url) }
        #expect(error.description.contains("CRC32 mismatch in record archive/data/0"))
    }

    @Test func storageSmallerThanTheViewIsAnError() throws {
        // Made by the fixture script: size (100,) over a 6-element float storage (torch refuses it too).
        let error = try #require(throws: TorchIOError.self) {
            try TorchFile.load(Fixtures.url("oversized_view.pt"))
        }
        #expect(error.description.contains("needs 400 bytes but storage 0 has 24"))
    }

    /// A legacy-format file (no CRC to fix up) whose object pickle body is `body`.
    static func legacyFile(_ body: [UInt8]) throws -> URL {
        var bytes: [UInt8] = [
            0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19, 0x2E,
        ]
        bytes += [0x80, 0x02, 0x4D, 0xE9, 0x03, 0x2E]  // protocol version 1001
        bytes += [0x80, 0x02, 0x7D, 0x2E]  // sys_info {}
        bytes += [0x80, 0x02] + body + [0x2E]
        bytes += [0x80, 0x02, 0x5D, 0x2E]  // no storages
        let url = try Fixtures.temporaryFolder().appendingPathComponent("hostile.pt")
        try Data(bytes).write(to: url)
        return url
    }

    @Test func hostileNestingIsAnErrorNotACrash() throws {
        // ((((),),),)… 300 000 deep.
        let url = try Self.legacyFile([0x29] + [UInt8](repeating: 0x85, count: 300_000))
        let error = try #require(throws: TorchIOError.self) { try TorchFile.load(url) }
        #expect(error.description.contains("nests deeper than"))
    }

    @Test func discardedHostileNestingIsReleasedSafely() throws {
        // The deep tuple is built, then POPped; the file's value is None.
        let url = try Self.legacyFile([0x29] + [UInt8](repeating: 0x85, count: 300_000) + [0x30, 0x4E])
        #expect(try TorchFile.load(url) == PickleValue.none)
    }

    @Test func listsChainedThroughTheMemoAreBounded() throws {
        // 100 000 empty lists in the memo, then list[i].append(list[i+1]) for every i.
        let n: UInt32 = 100_000
        var body: [UInt8] = []
        func le(_ v: UInt32) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }
        for i in 0..<n { body += [0x5D, 0x72] + le(i) + [0x30] }  // EMPTY_LIST LONG_BINPUT POP
        for i in 0..<(n - 1) { body += [0x6A] + le(i) + [0x6A] + le(i + 1) + [0x61, 0x30] }  // GET GET APPEND POP
        body += [0x6A] + le(0)
        let error = try #require(throws: TorchIOError.self) { try TorchFile.load(try Self.legacyFile(body)) }
        #expect(error.description.contains("nests deeper than"))
    }

    @Test func numpyScalarIsKeptInertOnRequest() throws {
        let value = try TorchFile.load(
            Fixtures.url("numpy_scalar.pt"), options: LoadOptions(keepUnknownGlobals: true))
        guard case .opaque(let name, _)? = value["val_mae"] else {
            Issue.record("val_mae is not opaque")
            return
        }
        #expect(name == (try Fixtures.text("numpy_scalar.global.txt")))
    }
}

/// Files of 32 MiB and more are CRC-checked up front, in parallel pieces.
@Suite struct LargeFileCRCTests {
    @Test func largeFileRoundTripsAndItsCRCIsChecked() throws {
        let count = 9 << 20  // 36 MiB of float32
        var big = Tensor(zeros: [count], dtype: .float32)
        big.withUnsafeMutableBufferPointer(of: Float.self) { p in
            for i in stride(from: 0, to: count, by: 4093) { p[i] = Float(i) }
        }
        let url = try Fixtures.temporaryFolder().appendingPathComponent("big.pt")
        try TorchFile.save(
            .stringDict([("small", .tensor(Tensor(scalar: Int64(1)))), ("big", .tensor(big))]), to: url)
        let back = try TorchFile.load(url)
        let loaded = try #require(back["big"]?.tensor)
        #expect(loaded.shape == big.shape)
        #expect(
            loaded.withUnsafeBytes { a in
                big.withUnsafeBytes { b in memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0 }
            })
        // Flip one byte 20 MiB into the big record: the error names it.
        let handle = try FileHandle(forUpdating: url)
        let at =
            UInt64(try #require(try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int))
            / 2
        try handle.seek(toOffset: at)
        let byte = try #require(try handle.read(upToCount: 1)).first!
        try handle.seek(toOffset: at)
        try handle.write(contentsOf: Data([byte ^ 0x10]))
        try handle.close()
        let error = try #require(throws: TorchIOError.self) { try TorchFile.load(url) }
        #expect(error.description.contains("CRC32 mismatch in record archive/data/1"))
    }
}
