import Dispatch
import TensorCore

/// One mini-batch, gathered straight into the arrays the training tape reads: the clips are
/// copied once, from the dataset tensor into an ``Activation`` (before: a concatenated tensor,
/// then a float copy of it), and the labels stay a tensor.
struct Batch {
    /// The model's input: the clips, or what ``Trainer/BatchInput`` made of them (frame rows).
    var clips: Activation
    var labels: Tensor
    /// Clips in the batch (the graph's batch size; the input's first axis may count frames).
    var clipCount: Int

    /// Clips `indices` of `[N, …]` `clips` and their rows of `labels`.
    init(clips: Tensor, labels: Tensor, indices: [Int], input: Trainer.BatchInput? = nil) {
        if let input {
            let (shape, values) = input(clips, indices)
            self.clips = Activation(shape: shape, data: values)
        } else {
            self.clips = Self.gather(clips, indices)
        }
        self.labels = Tensor(concatenatingBatches: indices.map { labels.batch($0..<($0 + 1)) })
        clipCount = indices.count
    }

    /// Items `indices` of a `[N, …]` tensor as one activation (float32 sources are copied item by
    /// item, without an intermediate tensor; other dtypes convert).
    static func gather(_ t: Tensor, _ indices: [Int]) -> Activation {
        let shape = [indices.count] + t.shape.dropFirst()
        guard t.dtype == .float32 else {
            return Activation(shape: shape, data: Tensor(concatenatingBatches: indices.map { t.batch($0..<($0 + 1)) }).floatValues())
        }
        let item = t.shape.dropFirst().reduce(1, *)
        var a = Activation(overwriting: shape)
        a.data.withUnsafeMutableBufferPointer { dst in
            for (k, i) in indices.enumerated() {
                t.batch(i..<(i + 1)).withUnsafeBytes { src in
                    UnsafeMutableRawPointer(dst.baseAddress! + k * item).copyMemory(from: src.baseAddress!, byteCount: item * 4)
                }
            }
        }
        return a
    }
}

/// Assembles the next batch on another thread while the current step runs, so that gathering
/// (a copy of a few MB per step, more for larger clips) is off the step's critical path.
final class BatchPrefetcher {
    private let queue = DispatchQueue(label: "rppg.training.batches", qos: .userInitiated)
    private let group = DispatchGroup()
    private var pending: Batch?
    private let make: (Int) -> Batch

    init(_ make: @escaping (Int) -> Batch) { self.make = make }

    /// Starts assembling batch `k` (the previous one must have been taken).
    func start(_ k: Int) {
        group.enter()
        queue.async {
            self.pending = self.make(k)
            self.group.leave()
        }
    }

    /// Waits for the batch last started and returns it.
    func take() -> Batch {
        group.wait()
        defer { pending = nil }
        return pending!
    }
}
