import Foundation
import TensorCore
import Testing
import Training

/// The training loop: it learns a pulse from synthetic clips, and it is deterministic for a seed.
@Suite struct TrainerTests {
    /// Clips whose colour follows a sinusoid of a per-clip frequency, plus seeded noise.
    static func data(count: Int, frames: Int) -> (Tensor, Tensor) {
        var rng = SeededGenerator(seed: 5)
        var clips = [Float](repeating: 0, count: count * 3 * frames * 36 * 36)
        var labels = [Float](repeating: 0, count: count * frames)
        let tint: [Float] = [0.33, 0.77, 0.53]
        for n in 0..<count {
            let f = rng.uniform(1.0, 2.5), phase = rng.uniform(0, 6.28)
            for t in 0..<frames {
                let s = sinf(2 * Float.pi * f * Float(t) / 30 + phase)
                labels[n * frames + t] = s
                for c in 0..<3 {
                    let base = ((n * 3 + c) * frames + t) * 1296
                    for p in 0..<1296 { clips[base + p] = tint[c] * s + 0.3 * rng.uniform(-1, 1) }
                }
            }
        }
        return (Tensor(shape: [count, 3, frames, 36, 36], scalars: clips), Tensor(shape: [count, frames], scalars: labels))
    }

    static func trainer(seed: UInt64, epochs: Int) -> Trainer {
        var config = TrainerConfiguration()
        config.batchSize = 2
        config.learningRate = 1e-2
        config.epochs = epochs
        config.seed = seed
        config.threads = 2
        config.maxGradientNorm = 5
        let initial = ParameterInitialization.pytorchDefaults(TinyPulseGraph.shapes, seed: seed)
        return Trainer(initialState: initial, configuration: config, stepsPerEpoch: 3) { batch, inits in
            TinyPulseGraph.make(batch: batch, frames: 16, initializers: inits)
        }
    }

    @Test func learnsAPulseAndIsDeterministic() throws {
        let (clips, labels) = Self.data(count: 6, frames: 16)
        let a = Self.trainer(seed: 1, epochs: 4), b = Self.trainer(seed: 1, epochs: 4)
        var first = 0.0, last = 0.0
        for epoch in 0..<4 {
            let la = try a.trainEpoch(clips: clips, labels: labels, indices: Array(0..<6), epoch: epoch)
            let lb = try b.trainEpoch(clips: clips, labels: labels, indices: Array(0..<6), epoch: epoch)
            #expect(la == lb)
            if epoch == 0 { first = la }
            last = la
        }
        #expect(last < first * 0.7, "loss \(first) → \(last)")
        for ((ka, ta), (kb, tb)) in zip(a.stateDict, b.stateDict) {
            #expect(ka == kb && ta == tb, "\(ka) differs between identical runs")
        }
        #expect(a.stateDict.first { $0.key == "stem.1.num_batches_tracked" }?.tensor == Tensor(scalar: Int64(12)))
        #expect(a.optimizer.steps.allSatisfy { $0 == 12 })
        let predictions = try a.predict(clips: clips, indices: [0, 1, 2, 3, 4])
        #expect(predictions.count == 5 && predictions.allSatisfy { $0.count == 16 })
    }

    /// Batches gathered on the prefetch thread are the clips of the shuffled order: an epoch gives
    /// the same losses and weights as stepping through that order by hand.
    @Test func prefetchedEpochEqualsStepsInShuffledOrder() throws {
        let (clips, labels) = Self.data(count: 5, frames: 16)
        let a = Self.trainer(seed: 3, epochs: 1), b = Self.trainer(seed: 3, epochs: 1)
        let mean = try a.trainEpoch(clips: clips, labels: labels, indices: Array(0..<5), epoch: 0)
        let order = b.shuffled(Array(0..<5), epoch: 0)
        #expect(order != Array(0..<5))
        var total = 0.0
        for k in stride(from: 0, to: 5, by: 2) {
            let part = Array(order[k..<min(5, k + 2)])
            total += try b.step(clips: Tensor(concatenatingBatches: part.map { clips.batch($0..<($0 + 1)) }),
                                labels: Tensor(concatenatingBatches: part.map { labels.batch($0..<($0 + 1)) }))
        }
        #expect(mean == total / 3)
        for ((key, ta), (_, tb)) in zip(a.stateDict, b.stateDict) { #expect(ta == tb, "\(key)") }
    }

    @Test func initialisationFollowsPyTorchBounds() {
        let state = ParameterInitialization.pytorchDefaults(TinyPulseGraph.shapes, seed: 0)
        let stem = state.first { $0.key == "stem.0.weight" }!.tensor.floatValues()
        let bound = 1 / Float(75).squareRoot()
        #expect(stem.allSatisfy { abs($0) <= bound } && stem.contains { abs($0) > 0.9 * bound })
        #expect(state.first { $0.key == "stem.1.weight" }!.tensor.floatValues().allSatisfy { $0 == 1 })
        #expect(state.first { $0.key == "stem.1.running_var" }!.tensor.floatValues().allSatisfy { $0 == 1 })
        #expect(state.first { $0.key == "stem.1.num_batches_tracked" }!.tensor == Tensor(scalar: Int64(0)))
        let head = state.first { $0.key == "head.bias" }!.tensor.floatValues()[0]
        #expect(abs(head) <= 1 / Float(32).squareRoot())
        #expect(ParameterInitialization.pytorchDefaults(TinyPulseGraph.shapes, seed: 0).map(\.tensor)
                == state.map(\.tensor))
    }
}
