import Foundation

/// Writes files atomically: into a temporary file beside the target, then `rename(2)`.
/// A failed write (disk full, interrupted) leaves the previous file intact and no partial file.
public enum AtomicFile {
    public struct WriteError: UserFacingError {
        public let path: String
        public let reason: String
        public var description: String {
            // Foundation's own reasons already end in a full stop; do not double it.
            let reason = self.reason.hasSuffix(".") ? String(self.reason.dropLast()) : self.reason
            return "Could not write \(path): \(reason). The previous file, if any, is unchanged; check free disk space and permissions."
        }
    }

    /// Writes `data` to `url` atomically, creating the parent folder if needed.
    public static func write(_ data: Data, to url: URL) throws {
        try write(to: url) { handle in try handle.write(contentsOf: data) }
    }

    /// Streams content into `url` atomically: `body` writes to a handle on a temporary file.
    public static func write(to url: URL, _ body: (FileHandle) throws -> Void) throws {
        let fm = FileManager.default
        let dir = url.deletingLastPathComponent()
        do {
            try fm.createDirectory(at: dir, withIntermediateDirectories: true)
        } catch {
            throw WriteError(path: url.path, reason: "cannot create folder \(dir.path)")
        }
        let tmp = dir.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        guard fm.createFile(atPath: tmp.path, contents: nil) else {
            throw WriteError(path: url.path, reason: "cannot create a temporary file in \(dir.path)")
        }
        do {
            let handle = try FileHandle(forWritingTo: tmp)
            do {
                try body(handle)
                try handle.synchronize()
                try handle.close()
            } catch {
                try? handle.close()
                throw error
            }
            if rename(tmp.path, url.path) != 0 {
                throw WriteError(path: url.path, reason: String(cString: strerror(errno)))
            }
        } catch let error as WriteError {
            try? fm.removeItem(at: tmp)
            throw error
        } catch {
            try? fm.removeItem(at: tmp)
            throw WriteError(path: url.path, reason: "\(error.localizedDescription)")
        }
    }
}
