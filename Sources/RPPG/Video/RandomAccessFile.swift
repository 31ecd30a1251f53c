import Foundation

/// A read-only file read with `pread` at 64-bit offsets, so that files over 4 GB and
/// concurrent readers work without a shared file position.
final class RandomAccessFile {
    let path: String
    let size: Int64
    private let fd: Int32

    init(path: String) throws {
        self.path = path
        fd = open(path, O_RDONLY)
        if fd < 0 {
            throw VideoError.unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        var st = stat()
        if fstat(fd, &st) != 0 {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw VideoError.unreadable(path: path, reason: reason)
        }
        size = Int64(st.st_size)
    }

    deinit { close(fd) }

    /// Reads exactly `count` bytes at `offset` into `buffer`; returns the bytes actually read
    /// (fewer only at end of file).
    func read(into buffer: UnsafeMutableRawPointer, count: Int, at offset: Int64) throws -> Int {
        var done = 0
        while done < count {
            let n = pread(fd, buffer + done, count - done, off_t(offset + Int64(done)))
            if n < 0 {
                if errno == EINTR { continue }
                throw VideoError.unreadable(path: path, reason: String(cString: strerror(errno)))
            }
            if n == 0 { break }
            done += n
        }
        return done
    }

    /// Reads up to `count` bytes at `offset` (fewer at end of file).
    func bytes(at offset: Int64, count: Int) throws -> [UInt8] {
        if count <= 0 || offset >= size { return [] }
        let n = Int(min(Int64(count), size - offset))
        var out = [UInt8](repeating: 0, count: n)
        let got = try out.withUnsafeMutableBytes { try read(into: $0.baseAddress!, count: n, at: offset) }
        if got < n { out.removeSubrange(got...) }
        return out
    }
}

/// Little-endian field access on a byte array.
extension Array where Element == UInt8 {
    func u16(_ at: Int) -> UInt16 { UInt16(self[at]) | UInt16(self[at + 1]) << 8 }
    func u32(_ at: Int) -> UInt32 {
        UInt32(self[at]) | UInt32(self[at + 1]) << 8 | UInt32(self[at + 2]) << 16 | UInt32(self[at + 3]) << 24
    }
    func i32(_ at: Int) -> Int32 { Int32(bitPattern: u32(at)) }
    func u64(_ at: Int) -> UInt64 { UInt64(u32(at)) | UInt64(u32(at + 4)) << 32 }
    func fourCC(_ at: Int) -> String {
        String(decoding: self[at..<(at + 4)].map { (0x20...0x7e).contains($0) ? $0 : UInt8(ascii: "?") }, as: UTF8.self)
    }
}
