// Shared by every harness (compiled into each fuzz binary): writes the fuzz input to a
// per-process temporary file for the parsers that read from a path.
import Foundation
import TensorCore

enum FuzzInput {
    static let path: String = {
        let dir = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
        return "\(dir)/rppg-fuzz-\(getpid())"
    }()

    /// Writes `data` to ``path`` and returns its URL.
    static func file(_ data: UnsafePointer<UInt8>, _ size: Int, suffix: String) -> URL {
        let p = path + suffix
        let fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        precondition(fd >= 0, "cannot create \(p)")
        var done = 0
        while done < size {
            let n = write(fd, data + done, size - done)
            precondition(n > 0, "cannot write \(p)")
            done += n
        }
        close(fd)
        return URL(fileURLWithPath: p)
    }
}

/// Every error a parser throws on bad input must be a UserFacingError with a non-empty message;
/// anything else (or an empty message) is a finding.
func checkUserFacing(_ error: Error) {
    guard let e = error as? any UserFacingError else {
        fatalError("non-user-facing error: \(type(of: error)) \(error)")
    }
    precondition(!e.description.isEmpty && e.exitCode != 0, "empty message or exit code 0")
}
