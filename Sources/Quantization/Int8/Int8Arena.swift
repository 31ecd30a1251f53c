/// The buffers of a compiled int8 plan: one per value, allocated once at compile time and
/// reused for every clip (so running allocates nothing but the returned tensors).
final class Int8Arena {
    private(set) var buffers: [UnsafeMutableRawPointer] = []
    private(set) var byteCounts: [Int] = []

    /// A new zeroed buffer of `bytes` bytes; returns its index.
    func allocate(bytes: Int) -> Int {
        let p = UnsafeMutableRawPointer.allocate(byteCount: max(bytes, 64), alignment: 64)
        p.initializeMemory(as: UInt8.self, repeating: 0, count: max(bytes, 64))
        buffers.append(p)
        byteCounts.append(bytes)
        return buffers.count - 1
    }

    func int8(_ i: Int) -> UnsafeMutablePointer<Int8> { buffers[i].assumingMemoryBound(to: Int8.self) }
    func float(_ i: Int) -> UnsafeMutablePointer<Float> { buffers[i].assumingMemoryBound(to: Float.self) }
    func int32(_ i: Int) -> UnsafeMutablePointer<Int32> { buffers[i].assumingMemoryBound(to: Int32.self) }

    var totalBytes: Int { byteCounts.reduce(0, +) }

    deinit { buffers.forEach { $0.deallocate() } }
}
