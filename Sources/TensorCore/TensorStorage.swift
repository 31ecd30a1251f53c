#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The bytes behind one or more tensors: owned heap memory, or a borrowed region (for example a
/// memory-mapped file) kept alive by `owner`.
public final class TensorStorage: @unchecked Sendable {
    public let byteCount: Int
    public let bytes: UnsafeMutableRawPointer
    private let owner: AnyObject?
    private let ownsBytes: Bool

    /// Allocates `byteCount` zeroed bytes, 64-byte aligned.
    public init(zeroedByteCount byteCount: Int) {
        self.byteCount = byteCount
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(byteCount, 1), alignment: 64)
        raw.initializeMemory(as: UInt8.self, repeating: 0, count: max(byteCount, 1))
        self.bytes = raw
        self.owner = nil
        self.ownsBytes = true
    }

    /// Wraps memory owned by `owner` (no copy). The memory must stay valid while `owner` lives.
    public init(borrowing bytes: UnsafeMutableRawPointer, byteCount: Int, owner: AnyObject) {
        self.byteCount = byteCount
        self.bytes = bytes
        self.owner = owner
        self.ownsBytes = false
    }

    /// A fresh owned copy of these bytes.
    public func copy() -> TensorStorage {
        let fresh = TensorStorage(zeroedByteCount: byteCount)
        if byteCount > 0 { fresh.bytes.copyMemory(from: bytes, byteCount: byteCount) }
        return fresh
    }

    deinit {
        if ownsBytes { bytes.deallocate() }
    }
}
