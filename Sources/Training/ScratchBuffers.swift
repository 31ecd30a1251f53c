/// Column buffers reused across convolution calls, one per worker: vol2col matrices reach tens
/// of megabytes per sample, and allocating them afresh each call costs page faults and zeroing.
final class ScratchBuffers {
    private var pointers: [UnsafeMutablePointer<Float>] = []
    private var capacity = 0

    /// `workers` buffers of at least `count` floats each (contents unspecified).
    func prepare(workers: Int, count: Int) -> [UnsafeMutablePointer<Float>] {
        if count > capacity || workers > pointers.count {
            release()
            capacity = max(count, capacity)
            pointers = (0..<workers).map { _ in UnsafeMutablePointer<Float>.allocate(capacity: max(1, capacity)) }
        }
        return Array(pointers.prefix(workers))
    }

    private func release() {
        for p in pointers { p.deallocate() }
        pointers = []
    }

    deinit { release() }
}
