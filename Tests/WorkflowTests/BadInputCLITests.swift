import Foundation
import Testing

/// The built `rppg` binary on bad input: one `error: …` line on stderr, exit code 1, no stack
/// trace. Finds the binary beside the test bundle (`.build/<config>/rppg`), which `swift test`
/// builds with the package.
@Suite struct BadInputCLITests {
    static var binary: URL? {
        let dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for candidate in [dir, dir.deletingLastPathComponent()] {
            let url = candidate.appendingPathComponent("rppg")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return nil
    }

    func run(_ arguments: [String]) throws -> (status: Int32, stderr: String) {
        let binary = try #require(Self.binary, "rppg binary not found beside \(CommandLine.arguments[0]); run `swift build` first")
        let p = Process()
        p.executableURL = binary
        p.arguments = arguments
        let err = Pipe()
        p.standardError = err
        p.standardOutput = Pipe()
        try p.run()
        let data = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test func missingCheckpointAndEmptyFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("badinput-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let missing = dir.appendingPathComponent("nope.pth")
        let r1 = try run(["export", "--checkpoint", missing.path, "--output", dir.appendingPathComponent("x.onnx").path])
        #expect(r1.status == 1)
        #expect(r1.stderr == "error: \(missing.path): no such file; check the path.\n")
        let empty = dir.appendingPathComponent("empty.pth")
        try Data().write(to: empty)
        let r2 = try run(["inspect", empty.path])
        #expect(r2.status == 1)
        #expect(r2.stderr == "error: \(empty.path): the file is empty; copy or download the file again.\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["empty.pth"])
    }
}
