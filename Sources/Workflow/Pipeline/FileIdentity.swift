import Foundation

/// What `stat` says identifies a file's current content cheaply: device, inode, size and the
/// modification and change times. An atomic replace gives a new inode; an in-place write moves
/// the times (at the kernel's clock granularity). Used only within one pipeline run, where the
/// pipeline itself writes the files; across runs the manifest compares SHA-256 digests.
public struct FileIdentity: Equatable, Sendable {
    var device: UInt64, inode: UInt64, size: Int64
    var modified: (Int, Int), changed: (Int, Int)

    public static func == (a: FileIdentity, b: FileIdentity) -> Bool {
        a.device == b.device && a.inode == b.inode && a.size == b.size
            && a.modified == b.modified && a.changed == b.changed
    }

    /// The identity of the file at `path`, or nil when it cannot be stat'ed.
    public static func of(_ path: String) -> FileIdentity? {
        var s = stat()
        guard stat(path, &s) == 0 else { return nil }
        #if canImport(Darwin)
        let (m, c) = (s.st_mtimespec, s.st_ctimespec)
        #else
        let (m, c) = (s.st_mtim, s.st_ctim)
        #endif
        return FileIdentity(device: UInt64(s.st_dev), inode: UInt64(s.st_ino), size: Int64(s.st_size),
                            modified: (Int(m.tv_sec), Int(m.tv_nsec)), changed: (Int(c.tv_sec), Int(c.tv_nsec)))
    }

    public static func of(_ url: URL) -> FileIdentity? { of(url.standardizedFileURL.path) }
}

/// A value made from a file's content, reused while the file is unchanged (``FileIdentity``):
/// the pipeline's dataset, loaded once for calibrate and verify, and the calibration clips,
/// handed from the calibrate step to the quantize step instead of being read back.
struct FileBacked<Value> {
    private var entry: (identity: FileIdentity, value: Value)?

    /// Remembers `value` as the content of `url` as it is now.
    mutating func remember(_ value: Value, for url: URL) {
        entry = FileIdentity.of(url).map { ($0, value) }
    }

    /// The remembered value when `url` is still the file it was made from.
    func value(for url: URL) -> Value? {
        guard let e = entry, let now = FileIdentity.of(url), now == e.identity else { return nil }
        return e.value
    }
}
