import Foundation
import TensorCore
import Testing

@Suite struct FileBytesTests {
    private func scratchDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("filebytes-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func readsTheWholeFile() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let bytes = Data((0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        let url = dir.appendingPathComponent("data.bin")
        try bytes.write(to: url)
        #expect(try FileBytes.read(url.path, limit: 1 << 20) == bytes)
    }

    @Test func emptyFileIsEmptyData() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("empty")
        #expect(FileManager.default.createFile(atPath: url.path, contents: nil))
        #expect(try FileBytes.read(url.path, limit: 16).isEmpty)
    }

    @Test func missingFolderAndOversizedFilesAreNamedFailures() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(throws: FileBytes.Failure.missing) { try FileBytes.read(dir.appendingPathComponent("nope").path, limit: 16) }
        #expect(throws: FileBytes.Failure.notRegularFile) { try FileBytes.read(dir.path, limit: 16) }
        let url = dir.appendingPathComponent("big")
        try Data(count: 17).write(to: url)
        #expect(throws: FileBytes.Failure.tooLarge(size: 17)) { try FileBytes.read(url.path, limit: 16) }
    }
}
