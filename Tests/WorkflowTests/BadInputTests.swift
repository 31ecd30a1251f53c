import Foundation
import NN
import ONNX
import Quantization
import RPPG
import TensorCore
import Testing
import TorchIO
import Workflow

/// docs/bad-input.md, row by row: every bad input gives a UserFacingError whose message names
/// the file and what is wrong, with its exit code; nothing crashes and nothing partial is left.
@Suite struct BadInputTests {
    /// Runs `body`, requires a UserFacingError, prints it as the docs table row, returns it.
    @discardableResult
    func failure(_ row: String, _ body: () throws -> Void) throws -> any UserFacingError {
        do {
            try body()
        } catch let e as any UserFacingError {
            print("BADINPUT | \(row) | \(e.exitCode) | \(e.description)")
            #expect(e.exitCode != 0)
            return e
        }
        Issue.record("\(row): no error")
        throw CancellationError()
    }

    func export(_ url: URL, model: String = "auto") throws {
        _ = try ExportModel.run(ExportOptions(checkpoint: url, output: url.deletingLastPathComponent().appendingPathComponent("out.onnx"), model: model))
    }

    /// A zero-weight TinyPulse state dict (valid keys and shapes).
    func tinyPulse(_ patch: ((inout [(key: String, tensor: Tensor)]) -> Void)? = nil) -> StateDict {
        var entries = ModelZoo.parameterShapes(.tinyPulse).map { (key: $0.key, tensor: Tensor(zeros: $0.shape)) }
        patch?(&entries)
        return StateDict(entries)
    }

    @Test func missingAndEmptyCheckpoint() throws {
        let dir = try BadInputFiles.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let missing = dir.appendingPathComponent("nope.pth")
        let e1 = try failure("missing file") { try export(missing) }
        #expect(e1.description.contains(missing.path) && e1.description.contains("no such file"))
        let empty = dir.appendingPathComponent("empty.pth")
        try BadInputFiles.write([], empty)
        let e2 = try failure("empty file") { try export(empty) }
        #expect(e2.description.contains("empty"))
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("out.onnx").path))
    }

    @Test func truncatedZipAndCRC() throws {
        let dir = try BadInputFiles.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let good = dir.appendingPathComponent("good.pth")
        try TorchFile.save(tinyPulse().pickleValue, to: good)
        var bytes = [UInt8](try Data(contentsOf: good))
        let truncated = dir.appendingPathComponent("truncated.pth")
        try BadInputFiles.write(Array(bytes.prefix(bytes.count / 2)), truncated)
        let e1 = try failure("truncated zip") { try export(truncated) }
        #expect(e1.description.contains(truncated.path))
        // CRC: flip one payload byte of a storage (hand-built archive, so the offset is known).
        let pickle = BadInputFiles.tensorDictPickle(storageCount: 4, viewSize: 4)
        bytes = BadInputFiles.checkpoint(pickle: pickle, storage: [UInt8](repeating: 0x3F, count: 16))
        let at = try #require(BadInputFiles.find([UInt8](repeating: 0x3F, count: 16), in: bytes))
        bytes[at + 3] ^= 0x01
        let crc = dir.appendingPathComponent("crc.pth")
        try BadInputFiles.write(bytes, crc)
        let e2 = try failure("CRC mismatch") { _ = try Checkpoint.load(crc) }
        #expect(e2.description.contains("CRC32 mismatch"))
    }

    @Test func zipBomb() throws {
        let dir = try BadInputFiles.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        // A DEFLATE record (one stored block of 16 bytes) that claims 1 TiB once inflated, for a
        // pickle that asks for 2^38 floats: rejected before any allocation.
        let deflate: [UInt8] = [0x01, 0x10, 0x00, 0xEF, 0xFF] + [UInt8](repeating: 0, count: 16)
        let pickle = BadInputFiles.tensorDictPickle(storageCount: 0x3FFF_FFC0, viewSize: 4)
        let bytes = BadInputFiles.zip([
            .init(name: "archive/data.pkl", payload: pickle),
            .init(name: "archive/data/0", payload: deflate, method: 8, declaredSize: 0xFFFF_FF00, crc: 0),
        ])
        let bomb = dir.appendingPathComponent("bomb.pth")
        try BadInputFiles.write(bytes, bomb)
        let e = try failure("zip bomb (DEFLATE record claiming 4 GiB from 21 bytes)") { try export(bomb) }
        #expect(e.description.contains(bomb.path))
        #expect(e.description.contains("impossible uncompressed size"))

        // A real DEFLATE stream of 1 MiB of zeros (1033 bytes, zlib level 9) in a record that
        // declares 16 bytes: inflating stops at the declared size and the record is rejected.
        let mib: [UInt8] = [0xED, 0xC1, 0x31, 0x01, 0x00, 0x00, 0x00, 0xC2, 0xA0, 0xF5, 0x4F, 0x6D, 0x08, 0x5F, 0xA0]
            + [UInt8](repeating: 0, count: 1016) + [0x3E, 0x03]
        let expanding = dir.appendingPathComponent("expanding.pth")
        try BadInputFiles.write(
            BadInputFiles.zip([
                .init(name: "archive/data.pkl", payload: BadInputFiles.tensorDictPickle(storageCount: 4, viewSize: 4)),
                .init(name: "archive/data/0", payload: mib, method: 8, declaredSize: 16, crc: 0),
            ]), expanding)
        let e2 = try failure("zip bomb (DEFLATE record expanding to 1 MiB, 16 bytes declared)") { try export(expanding) }
        #expect(e2.description.contains("does not inflate to its recorded size"))
    }

    @Test func maliciousPickles() throws {
        let dir = try BadInputFiles.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        // os.system('echo pwned') via GLOBAL + REDUCE: must be refused, never called.
        let marker = dir.appendingPathComponent("pwned")
        let evil: [UInt8] = [0x80, 0x02] + BadInputFiles.global("os", "system")
            + BadInputFiles.str("touch \(marker.path)") + [0x85, 0x52, 0x2E]
        let system = dir.appendingPathComponent("system.pth")
        try BadInputFiles.write(BadInputFiles.checkpoint(pickle: evil, storage: []), system)
        let e1 = try failure("pickle calling os.system") { try export(system) }
        #expect(e1.description.contains("os") && e1.description.contains("system"))
        #expect(!FileManager.default.fileExists(atPath: marker.path))

        // A BINUNICODE8 string claiming 2^62 bytes.
        let huge: [UInt8] = [0x80, 0x04, 0x8D] + withUnsafeBytes(of: (UInt64(1) << 62).littleEndian, Array.init) + [0x2E]
        let hugeURL = dir.appendingPathComponent("huge.pth")
        try BadInputFiles.write(BadInputFiles.checkpoint(pickle: huge, storage: []), hugeURL)
        let e2 = try failure("pickle with a huge declared size") { try export(hugeURL) }
        #expect(e2.description.contains(hugeURL.path))

        // A storage declared with 2^30 floats backed by a 16-byte record.
        let big = dir.appendingPathComponent("bigstorage.pth")
        try BadInputFiles.write(
            BadInputFiles.checkpoint(pickle: BadInputFiles.tensorDictPickle(storageCount: 1 << 30, viewSize: 4), storage: [UInt8](repeating: 0, count: 16)), big)
        let e3 = try failure("storage declaring 2^30 elements, 16 bytes stored") { try export(big) }
        #expect(e3.description.contains("data/0"))
    }

    @Test func storageSmallerThanView() throws {
        let dir = try BadInputFiles.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("view.pth")
        try BadInputFiles.write(
            BadInputFiles.checkpoint(pickle: BadInputFiles.tensorDictPickle(storageCount: 4, viewSize: 100), storage: [UInt8](repeating: 0, count: 16)), url)
        let e = try failure("storage smaller than the tensor's view") { try export(url) }
        #expect(e.description.contains(url.path))
    }

    @Test func nonFiniteWeights() throws {
        let dir = try BadInputFiles.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        for (name, bad) in [("nan", Float.nan), ("inf", Float.infinity)] {
            let url = dir.appendingPathComponent("\(name).pth")
            let sd = tinyPulse { entries in
                var t = entries[0].tensor
                t.withUnsafeMutableBufferPointer(of: Float.self) { $0[0] = bad }
                entries[0].tensor = t
            }
            try TorchFile.save(sd.pickleValue, to: url)
            let e = try failure("\(name.uppercased()) weights") { try export(url) }
            #expect(e is NonFiniteWeightsError)
            #expect(e.description.contains(sd.keys[0]))
        }
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("out.onnx").path))
    }

    @Test func wrongArchitecture() throws {
        let dir = try BadInputFiles.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("resnet.pth")
        try TorchFile.save(StateDict([(key: "fc.weight", tensor: Tensor(zeros: [2, 2]))]).pickleValue, to: url)
        try failure("unknown architecture (auto)") { try export(url) }
        let tp = dir.appendingPathComponent("tinypulse.pth")
        try TorchFile.save(tinyPulse().pickleValue, to: tp)
        try failure("weights of another architecture (--model physnet)") { try export(tp, model: "physnet") }
    }

    /// A one-node ONNX model `output = input + B`, as a ModelProto to tamper with.
    func addModel() throws -> ONNXModelProto {
        let g = Graph(
            name: "add", nodes: [Node(name: "add", op: .add, inputs: ["input", "B"], outputs: ["output"])],
            inputs: [ValueInfo(name: "input", shape: [1, 4])], outputs: [ValueInfo(name: "output", shape: [1, 4])],
            initializers: ["B": Tensor(zeros: [4])])
        return try ONNXWriter.modelProto(g)
    }

    func quantize(_ model: URL, _ calibration: URL) throws {
        _ = try QuantizeModel.run(
            .init(model: model, calibration: calibration, output: model.deletingLastPathComponent().appendingPathComponent("q.onnx")),
            runner: FP32Runner.factory(threads: 1))
    }

    @Test func onnxUnknownOpAndExternalData() throws {
        let dir = try BadInputFiles.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let calib = dir.appendingPathComponent("calib.pt")
        try TorchFile.save(.tensor(Tensor(zeros: [1, 3, 2, 2, 2])), to: calib)
        var m = try addModel()
        m.graph!.node[0].opType = "FancyOp"
        let unknown = dir.appendingPathComponent("unknown.onnx")
        try BadInputFiles.write(m.serialized(), unknown)
        let e1 = try failure("ONNX with an unknown op") { try quantize(unknown, calib) }
        #expect(e1.description.contains("FancyOp"))
        m = try addModel()
        m.graph!.initializer[0].dataLocation = 1
        m.graph!.initializer[0].externalData = [.init(key: "location", value: "../../etc/passwd")]
        m.graph!.initializer[0].rawData = []
        let external = dir.appendingPathComponent("external.onnx")
        try BadInputFiles.write(m.serialized(), external)
        let e2 = try failure("ONNX with external data") { try quantize(external, calib) }
        #expect(e2.description.contains("external"))
    }

    @Test func wrongInputShapeAndZeroClips() throws {
        let dir = try BadInputFiles.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = dir.appendingPathComponent("add.onnx")
        try BadInputFiles.write(try addModel().serialized(), model)
        let wrong = dir.appendingPathComponent("wrong.pt")
        try TorchFile.save(.tensor(Tensor(zeros: [1, 3, 2, 2, 2])), to: wrong)
        try failure("calibration clips of the wrong input shape") { try quantize(model, wrong) }
        let zero = dir.appendingPathComponent("zero.pt")
        try TorchFile.save(.stringDict([("clips", .tensor(Tensor(zeros: [0, 3, 4, 4, 4])))]), to: zero)
        let e = try failure("calibration set of 0 clips") {
            _ = try CalibrationData.calibrate(data: zero, output: dir.appendingPathComponent("calibration_data.pt"))
        }
        #expect(e.description.contains("0 clips"))
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("calibration_data.pt").path))
    }

    @Test func badVideos() throws {
        let dir = try BadInputFiles.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("v.avi")
        let w = try AVIWriter(url: url, width: 8, height: 6, frameRate: 30)
        for _ in 0..<4 { try w.append(VideoFrame(width: 8, height: 6, value: 7)) }
        try w.finish()
        var bytes = [UInt8](try Data(contentsOf: url))
        let truncated = dir.appendingPathComponent("truncated.avi")
        try BadInputFiles.write(Array(bytes.prefix(300)), truncated)
        let e1 = try failure("truncated AVI") {
            let r = try AVIReader(url: truncated)
            for i in 0..<r.frameCount { _ = try r.readFrame(i) }
        }
        #expect(e1.description.contains(truncated.path))
        let strf = try #require(BadInputFiles.find(Array("strf".utf8), in: bytes))
        bytes.replaceSubrange((strf + 24)..<(strf + 28), with: Array("MJPG".utf8))
        let mjpg = dir.appendingPathComponent("mjpg.avi")
        try BadInputFiles.write(bytes, mjpg)
        let e2 = try failure("AVI with a compressed codec") { _ = try AVIReader(url: mjpg) }
        #expect(e2.description.contains("MJPG"))
    }

    @Test func nonNumericGroundTruth() throws {
        let dir = try BadInputFiles.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("ground_truth.txt")
        try Data("1.0 2.0 abc 4.0\n80 80 80 80\n0 0.03 0.06 0.1\n".utf8).write(to: url)
        let e = try failure("non-numeric ground truth") { _ = try GroundTruth.parseDataset2(url) }
        #expect(e.description.contains("abc"))
    }

    /// Fuzz finding (Fuzz/regressions/groundtruth/leak-empty-file): an empty ground-truth file
    /// made Foundation leak 4 KiB; it is now answered without reading, with the same error.
    @Test func emptyGroundTruth() throws {
        let dir = try BadInputFiles.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("ground_truth.txt")
        try Data().write(to: url)
        let e1 = try failure("empty ground_truth.txt") { _ = try GroundTruth.parseDataset2(url) }
        #expect(e1.description.contains("the file is empty"))
        let e2 = try failure("empty gtdump.xmp") { _ = try GroundTruth.parseDataset1(url) }
        #expect(e2.description.contains("no rows"))
    }

    /// Fuzz findings (Fuzz/regressions/avi/, Fuzz/regressions/haar/) that trapped before the fix:
    /// a `LIST` chunk shorter than its own type in the AVI header list, and a Haar rectangle
    /// coordinate too large for `Int`.
    @Test func fuzzRegressionsVideoAndCascade() throws {
        let dir = try BadInputFiles.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let avi: [UInt8] = [
            0x52, 0x49, 0x46, 0x46, 0x78, 0x2C, 0x00, 0x00, 0x41, 0x56, 0x49, 0x20, 0x4C, 0x49, 0x53, 0x54,
            0xC0, 0x00, 0x00, 0x00, 0x68, 0x64, 0x72, 0x6C, 0x61, 0x76, 0x69, 0x68, 0x38, 0x00, 0x00, 0x00,
            0x35, 0x82, 0x00, 0x00, 0xC0, 0x02, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00,
            0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0xA0, 0x08, 0x00, 0x00,
            0x1E, 0x00, 0x00, 0x00, 0x18, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x4C, 0x49, 0x53, 0x54, 0x02, 0x00, 0x00, 0x00,
            0x73, 0x74, 0x72, 0x6C, 0x73, 0x74, 0x72, 0x68, 0x38, 0x00, 0x00, 0x00, 0x76, 0x69, 0x64, 0x73,
            0x44, 0x49, 0x42, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x01, 0x00, 0x00, 0x00, 0x1E, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00,
            0xA0, 0x08, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x1E, 0x00, 0x18, 0x00, 0x73, 0x74, 0x72, 0x66, 0x28, 0x00, 0x00, 0x00, 0x28, 0x00, 0x00, 0x00,
            0x1E, 0x00, 0x00, 0x00, 0x18, 0x00, 0x00, 0x00, 0x01, 0x00, 0x18, 0x00, 0x00, 0x00, 0x00, 0x00,
            0xA0, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x00, 0x00, 0x00, 0x00, 0x4C, 0x49, 0x53, 0x54, 0x4C, 0x2B, 0x00, 0x00, 0x6D, 0x6F, 0x76, 0x69,
            0x31, 0x35, 0x64, 0x62, 0xA0, 0x08, 0x00, 0x00, 0x2B, 0x12, 0xEF, 0x7B, 0x50, 0x76, 0x07, 0x23,
            0x9C, 0x55, 0xF8, 0x9D, 0x3C, 0xC6, 0xF1, 0xD4, 0x46, 0x09, 0xA8, 0x43, 0x82, 0x82, 0xC7, 0x8B,
            0x6A, 0xBA, 0xAC, 0x9E, 0xD3, 0xAE, 0x06, 0xF1, 0xE8, 0xC3, 0x21, 0x0D, 0xA2, 0x66, 0x31, 0x0A,
            0xEC, 0xBA, 0x04, 0xB0, 0xA2, 0x0D, 0xFF, 0xC8, 0xBE, 0x84, 0x9A, 0x48, 0xBC, 0x11, 0x60, 0x78,
            0x12, 0x29, 0xA5, 0xA8, 0x8F, 0xF1, 0x8C, 0x2E, 0xAB, 0xC9, 0x37, 0xEF, 0xFE, 0x18, 0xCD, 0x1A,
            0xC8, 0xAA, 0xC4, 0x68, 0x88, 0x76, 0xCC, 0xE2, 0x00, 0xEB, 0x41, 0x1C, 0xD5, 0x85, 0xEC, 0x69,
            0x6C, 0x73, 0x4D, 0x46, 0x50, 0x40, 0x07, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00,
            0x00, 0x00, 0x00, 0x00, 0x00, 0x1E, 0x00, 0x18, 0x00, 0x73, 0x74, 0x72, 0x66, 0x28, 0x00, 0x00,
            0x4C, 0x00, 0x0C, 0x30
        ]
        let url = dir.appendingPathComponent("crash.avi")
        try BadInputFiles.write(avi, url)
        let e1 = try failure("AVI with a LIST chunk of size < 4 (fuzz finding)") {
            let r = try AVIReader(url: url)
            for i in 0..<r.frameCount { _ = try r.readFrame(i) }
        }
        #expect(e1.description.contains(url.path))
        let xml = "<opencv_storage><cascade><stageType>BOOST</stageType><featureType>HAAR</featureType>"
            + "<height>24</height><width>24</width><stages></stages><features><_><rects>"
            + "<_>0 0 1e300 2 -1.</_><_>0 0 2 2 2.</_></rects></_></features></cascade></opencv_storage>"
        let e2 = try failure("Haar cascade with a rectangle of width 1e300 (fuzz finding)") {
            _ = try HaarCascade.parse(xml: Array(xml.utf8), path: "cascade.xml")
        }
        #expect(e2.description.contains("cascade.xml"))
    }

    /// Disk full in the middle of a write (write-failure injection): the previous file stays
    /// byte for byte, and no temporary file is left in the folder.
    @Test func diskFullDuringWrite() throws {
        let dir = try BadInputFiles.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("model.onnx")
        try AtomicFile.write(Data("previous".utf8), to: url)
        let e = try failure("disk full during a write") {
            try AtomicFile.write(to: url) { handle in
                try handle.write(contentsOf: Data(repeating: 1, count: 4096))
                throw POSIXError(.ENOSPC)
            }
        }
        #expect(e.description.contains(url.path))
        #expect(try Data(contentsOf: url) == Data("previous".utf8))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["model.onnx"])
    }
}
