import Synchronization

/// A float32 value held by the training tape: a row-major shape and its elements.
/// Kept as a plain array so that the backward rules can write into it without copy-on-write
/// surprises from shared ``Tensor`` storage.
struct Activation {
    var shape: [Int]
    var data: [Float]

    init(shape: [Int], data: [Float]) {
        precondition(shape.reduce(1, *) == data.count, "shape \(shape) vs \(data.count) elements")
        self.shape = shape
        self.data = data
    }

    init(zeros shape: [Int]) {
        self.shape = shape
        let count = shape.reduce(1, *)
        if var reused = ActivationPool.shared.take(count) {
            reused.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
            self.data = reused
        } else {
            self.data = [Float](repeating: 0, count: count)
        }
    }

    /// An activation whose every element the caller overwrites (contents unspecified).
    init(overwriting shape: [Int]) {
        self.shape = shape
        let count = shape.reduce(1, *)
        self.data = ActivationPool.shared.take(count) ?? [Float](repeating: 0, count: count)
    }

    var count: Int { data.count }
}

/// Element arrays of activations a training step no longer needs, handed to the next step's
/// activations of the same size. A TinyPulse step allocates about 1 GB of tape and gradients;
/// fresh allocations of that size are mmap'd, so every step paid a page fault and a kernel
/// zeroing per 4 KB page (28 % of its time). Reuse only saves work: a returned array that is
/// still shared elsewhere is copied on its first write, as any Swift array.
final class ActivationPool: @unchecked Sendable {
    static let shared = ActivationPool()
    /// Arrays smaller than this are left to malloc (they come from its free lists anyway).
    static let minimumCount = 1 << 15
    /// Floats held at most (4 GB), so that a change of batch size cannot grow it without end.
    static let capacity = 1 << 30

    private let free = Mutex<(arrays: [Int: [[Float]]], floats: Int)>(([:], 0))

    func take(_ count: Int) -> [Float]? {
        guard count >= Self.minimumCount else { return nil }
        return free.withLock { state in
            guard let a = state.arrays[count]?.popLast() else { return nil }
            state.floats -= count
            return a
        }
    }

    func give(_ array: [Float]) {
        guard array.count >= Self.minimumCount else { return }
        free.withLock { state in
            guard state.floats + array.count <= Self.capacity else { return }
            state.arrays[array.count, default: []].append(array)
            state.floats += array.count
        }
    }
}

/// Row-major strides of a shape.
func contiguousStrides(_ shape: [Int]) -> [Int] {
    var strides = [Int](repeating: 1, count: shape.count)
    var acc = 1
    for i in stride(from: shape.count - 1, through: 0, by: -1) {
        strides[i] = acc
        acc *= shape[i]
    }
    return strides
}
