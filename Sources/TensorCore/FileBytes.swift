import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads a whole file with `open`/`fstat`/`read`, refusing files over a size limit.
///
/// Readers of user files use this instead of `Data(contentsOf:)` or
/// `FileManager.contents(atPath:)`: swift-foundation leaks a 4 KiB probe buffer on every
/// empty file it reads (found by the groundtruth fuzz harness), and the size check happens
/// before any allocation, so a huge file is refused without being read.
public enum FileBytes {
    /// Why a file could not be read; each reader maps it to its own error with the fix.
    public enum Failure: Error, Equatable {
        case missing
        case notRegularFile
        case tooLarge(size: Int)
        case unreadable(reason: String)
    }

    /// The bytes of the regular file at `path`, at most `limit` bytes long.
    public static func read(_ path: String, limit: Int) throws(Failure) -> Data {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            if code == ENOENT || code == ENOTDIR { throw .missing }
            throw .unreadable(reason: String(cString: strerror(code)))
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .unreadable(reason: String(cString: strerror(errno))) }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw .notRegularFile }
        let size = Int(info.st_size)
        guard size <= limit else { throw .tooLarge(size: size) }
        if size == 0 { return Data() }
        var data = Data(count: size)
        var done = 0
        let failure: Failure? = data.withUnsafeMutableBytes { raw -> Failure? in
            while done < size {
                let n = systemRead(fd, raw.baseAddress! + done, size - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    return .unreadable(reason: String(cString: strerror(errno)))
                }
                if n == 0 { break }  // the file shrank while being read
                done += n
            }
            return nil
        }
        if let failure { throw failure }
        if done < size { data.removeSubrange(done..<size) }
        return data
    }
}

/// `read(2)`, named apart from ``FileBytes/read(_:limit:)``.
private func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
        return Glibc.read(fd, buffer, count)
    #else
        return Darwin.read(fd, buffer, count)
    #endif
}
