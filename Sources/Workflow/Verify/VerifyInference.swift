import Dispatch
import Foundation
import NN
import ONNX
import Quantization
import RPPG
import TensorCore

extension Verify {
    /// Makes one engine for one worker: an executor is not reentrant, so every worker gets its own.
    typealias EngineFactory = (_ threads: Int) throws -> (Tensor) throws -> Tensor

    /// The FP32 engine of `graph`.
    static func fp32Engine(_ graph: Graph) -> EngineFactory {
        { threads in
            let e = try FP32Executor(graph: graph, threads: threads)
            return clipsAsFrames(graph) { try e.run($0) }
        }
    }

    /// A frame model (input `[T(+1), C, S, S]`) run on the dataset's clips `[1, C, T, S, S]`; its
    /// output `[T, 1]` is the clip's waveform.
    static func clipsAsFrames(_ graph: Graph, _ run: @escaping (Tensor) throws -> Tensor) -> (Tensor) throws -> Tensor {
        let input = graph.inputs.first?.shape ?? []
        guard input.count == 4 else { return run }
        return { clip in
            let layout = FrameLayout.fits(modelInput: input, clipShape: clip.shape)
            guard layout.fits else {
                throw VerifyError(message: "The model takes frames \(input) but the clips are \(clip.shape); preprocess with the model's frame size, chunk length and input type.")
            }
            return try run(FrameLayout.frames(fromClip: clip, extraFrame: layout.extraFrame))
        }
    }

    /// The INT8 engine of a QDQ `graph`: integer kernels ("int8") or the float simulation ("fakequant").
    static func int8Engine(_ graph: Graph, engine: String) throws -> EngineFactory {
        guard ["int8", "fakequant"].contains(engine) else {
            throw VerifyError(message: "Unknown engine '\(engine)'; use int8 or fakequant.")
        }
        if engine == "int8" {
            return { threads in
                let e = try Int8Executor(graph: graph, threads: threads)
                return clipsAsFrames(graph) { try e.run($0) }
            }
        }
        return { threads in
            let e = try FakeQuantExecutor(graph: graph, runner: FP32Runner.factory(threads: threads))
            return clipsAsFrames(graph) { try e.run($0) }
        }
    }

    /// Every model's output waveform on every selected clip: `result[model][clip]`. Clips are split
    /// over workers; each worker builds its own engines and runs every model on its clips.
    static func outputs(_ dataset: ProcessedDataset, clips selected: [Int], models: [EngineFactory],
                        threads: Int, progress: ProgressBar?) throws -> [[[Float]]] {
        let workers = max(1, min(threads, selected.count))
        let threadsEach = max(1, threads / workers)
        let slots = OutputSlots(models: models.count, clips: selected.count)
        let lock = NSLock()
        var done = 0
        var failure: Error?
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            do {
                let engines = try models.map { try $0(threadsEach) }
                for n in (selected.count * w / workers)..<(selected.count * (w + 1) / workers) {
                    let i = selected[n]
                    let clip = dataset.clips.batch(i..<(i + 1))
                    for (m, run) in engines.enumerated() { slots.set(m, n, try run(clip).floatValues()) }
                    lock.lock(); done += 1; progress?.update(done); lock.unlock()
                }
            } catch {
                lock.lock(); if failure == nil { failure = error }; lock.unlock()
            }
        }
        if let failure { throw failure }
        return slots.values
    }
}

/// Output waveforms written from worker threads, one slot per (model, clip).
private final class OutputSlots: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var values: [[[Float]]]
    init(models: Int, clips: Int) { values = [[[Float]]](repeating: [[Float]](repeating: [], count: clips), count: models) }
    func set(_ model: Int, _ clip: Int, _ v: [Float]) { lock.lock(); values[model][clip] = v; lock.unlock() }
}
