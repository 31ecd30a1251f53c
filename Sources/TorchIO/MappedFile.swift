import Foundation
import TensorCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A read-only memory map of a whole file. Tensors read from the file borrow its pages and keep
/// the map alive, so weights are never copied into the heap unless a view has to be made
/// contiguous. The mapping is private: writes through a borrowed pointer never reach the file.
final class MappedFile: @unchecked Sendable {
    let path: String
    let base: UnsafeMutableRawPointer?
    let count: Int
    private let isMapped: Bool

    init(url: URL) throws {
        path = url.path
        let fd = open(url.path, O_RDONLY)
        guard fd >= 0 else {
            let reason = String(cString: strerror(errno))
            if errno == ENOENT {
                throw TorchIOError(path: url.path, problem: "no such file", advice: "check the path")
            }
            throw TorchIOError(
                path: url.path, problem: "cannot open the file (\(reason))",
                advice: "check the path and its permissions")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw TorchIOError(
                path: url.path, problem: "cannot read the file's size",
                advice: "check the path and its permissions")
        }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            throw TorchIOError(
                path: url.path, problem: "this is a folder, not a file",
                advice: "pass the path of a .pt or .pth file")
        }
        count = Int(info.st_size)
        if count == 0 {
            base = nil
            isMapped = false
            return
        }
        // MAP_PRIVATE + PROT_WRITE: copy-on-write pages, so a tensor that is later mutated in place
        // never changes the file (Tensor copies before writing anyway).
        let p = mmap(nil, count, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0)
        guard let p, p != MAP_FAILED else {
            throw TorchIOError(
                path: url.path, problem: "cannot memory-map the file (\(String(cString: strerror(errno))))",
                advice: "check free memory and that the file is a regular file")
        }
        base = p
        isMapped = true
    }

    /// The bytes `offset..<offset+length`, or a truncation error naming `what`.
    func bytes(_ offset: Int, _ length: Int, _ what: @autoclosure () -> String) throws
        -> UnsafeRawBufferPointer
    {
        guard offset >= 0, length >= 0, offset <= count, length <= count - offset else {
            throw TorchIOError.truncated(path, what())
        }
        if length == 0 { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: base! + offset, count: length)
    }

    deinit {
        if isMapped, let base { munmap(base, count) }
    }
}
