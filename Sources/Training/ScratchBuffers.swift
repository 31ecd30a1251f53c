/// A kernel scratch buffer reused across calls: vol2col tiles and padded volumes reach tens of
/// megabytes, and allocating them afresh each call costs page faults and zeroing. The kernels
/// split it among their workers themselves.
final class ScratchBuffers {
    private var pointer: UnsafeMutablePointer<Float>?
    private var capacity = 0

    /// At least `count` floats (contents unspecified), valid until the next call.
    func prepare(count: Int) -> UnsafeMutablePointer<Float> {
        if count > capacity || pointer == nil {
            pointer?.deallocate()
            capacity = max(1, count, capacity)
            pointer = .allocate(capacity: capacity)
        }
        return pointer!
    }

    deinit { pointer?.deallocate() }
}
