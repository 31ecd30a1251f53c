import Foundation
import TensorCore
import Testing
import TorchIO

/// Files written by ``TorchFile/save(_:to:)`` read back to the same values.
@Suite struct TorchFileWritingTests {
    @Test(arguments: [
        "plain", "dtypes", "views", "checkpoint", "dataparallel", "protocol4", "legacy", "big_endian",
        "deflate", "zip64",
    ])
    func readWriteReadIsLossless(_ name: String) throws {
        let original = try TorchFile.load(Fixtures.url("\(name).pt"))
        let url = try Fixtures.temporaryFolder().appendingPathComponent("\(name).pt")
        try TorchFile.save(original, to: url)
        let again = try TorchFile.read(url)
        #expect(again.format == .zip)
        #expect(render(again.value) == (try Fixtures.text("\(name).expected.txt")))
    }

    @Test func everyDTypeRoundTrips() throws {
        var pairs: [(String, PickleValue)] = []
        for dtype in DType.allCases {
            var t = Tensor(zeros: [2, 3], dtype: dtype)
            t.withUnsafeMutableBytes { raw in
                for i in raw.indices { raw[i] = UInt8(truncatingIfNeeded: i &* 37 &+ 11) }
            }
            if dtype == .bool { t.withUnsafeMutableBytes { raw in for i in raw.indices { raw[i] &= 1 } } }
            pairs.append((dtype.rawValue, .tensor(t)))
            pairs.append((dtype.rawValue + "_scalar", .tensor(Tensor(zeros: [], dtype: dtype))))
            pairs.append((dtype.rawValue + "_empty", .tensor(Tensor(zeros: [0, 4], dtype: dtype))))
        }
        let value = PickleValue.stringDict(pairs)
        let url = try Fixtures.temporaryFolder().appendingPathComponent("all.pt")
        try TorchFile.save(value, to: url)
        #expect(try TorchFile.load(url) == value)
    }

    @Test func plainValuesRoundTrip() throws {
        let value = PickleValue.dict([
            PickleDictEntry(
                key: .int(0),
                value: .list([
                    .none, .bool(true), .bool(false), .int(-1), .int(255), .int(65536), .int(Int64.min),
                    .int(Int64.max),
                ])),
            PickleDictEntry(
                key: .string("f"), value: .tuple([.float(-0.0), .float(.infinity), .float(1e-310)])),
            PickleDictEntry(key: .string("bytes"), value: .bytes([0, 1, 200, 255])),
            PickleDictEntry(key: .string("ünï"), value: .string("cödé ✓")),
            PickleDictEntry(key: .string("set"), value: .set([.int(1), .int(2)])),
            PickleDictEntry(key: .string("big"), value: .list((0..<2500).map { .int(Int64($0)) })),
        ])
        let url = try Fixtures.temporaryFolder().appendingPathComponent("plain.pt")
        try TorchFile.save(value, to: url)
        #expect(try TorchFile.load(url) == value)
    }

    @Test func viewsOfOneStorageAreWrittenOnce() throws {
        let views = try TorchFile.load(Fixtures.url("views.pt"))
        let url = try Fixtures.temporaryFolder().appendingPathComponent("views.pt")
        try TorchFile.save(views, to: url)
        let again = try TorchFile.read(url)
        let base = try #require(again.value["base"]?.tensor)
        let rows = try #require(again.value["rows"]?.tensor)
        #expect(rows.sharesStorage(with: base))
        // base+rows share a record; 8 other non-empty tensors have their own.
        #expect(again.records.filter { $0.contains("/data/") }.count == 9)
    }

    @Test func stateDictSavesAsItsPickleValue() throws {
        let sd = StateDict([
            ("a.weight", Tensor(shape: [2], scalars: [1, 2] as [Float])),
            ("a.bias", Tensor(scalar: Int64(3))),
        ])
        let url = try Fixtures.temporaryFolder().appendingPathComponent("sd.pt")
        try TorchFile.save(sd.pickleValue, to: url)
        let back = try Checkpoint.load(url)
        #expect(back.stateDict.keys == ["a.weight", "a.bias"])
        #expect(back.stateDict["a.bias"] == Tensor(scalar: Int64(3)))
        #expect(back.stateDictKey == nil)
    }

    @Test func unknownGlobalsAreNotWritten() throws {
        let url = try Fixtures.temporaryFolder().appendingPathComponent("evil.pt")
        #expect(throws: TorchIOError.self) {
            try TorchFile.save(.opaque(global: "posix.system", arguments: []), to: url)
        }
        #expect(!FileManager.default.fileExists(atPath: url.path))
    }

    @Test func savingIsDeterministic() throws {
        let value = try TorchFile.load(Fixtures.url("checkpoint.pt"))
        let dir = try Fixtures.temporaryFolder()
        try TorchFile.save(value, to: dir.appendingPathComponent("a.pt"))
        // A copy made of fresh tensors (other addresses) must give the same bytes.
        let copy = try TorchFile.load(Fixtures.url("checkpoint.pt"))
        try TorchFile.save(copy, to: dir.appendingPathComponent("b.pt"))
        #expect(
            try Data(contentsOf: dir.appendingPathComponent("a.pt"))
                == Data(contentsOf: dir.appendingPathComponent("b.pt")))
    }
}
