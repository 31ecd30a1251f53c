import Foundation
import RPPG
import TensorCore
import Testing
import TorchIO
import Workflow

/// `rppg train` end to end on a tiny synthetic dataset: checkpoint format, determinism, and
/// resume giving exactly the weights of an uninterrupted run.
@Suite struct TrainWorkflowTests {
    /// 3 subjects × 2 chunks of `frames` frames (32) of side `side`; colour follows a per-subject
    /// pulse (DiffNormalized-like). With 6 channels (DeepPhys/TS-CAN), channels 3–5 hold the pulse a
    /// quarter period later (the appearance the motion channels are the derivative of).
    static func dataset(at url: URL, channels: Int = 3, frames t: Int = 32, side: Int = 36,
                        inputType: String = "diffnormalized") throws {
        let n = 6, pixels = side * side
        var clips = [Float](repeating: 0, count: n * channels * t * pixels)
        var labels = [Float](repeating: 0, count: n * t)
        var state: UInt64 = 42
        func noise() -> Float {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Int64(bitPattern: state >> 11) % 2000) / 1000 - 1
        }
        let hr: [Float] = [66, 90, 120]
        for i in 0..<n {
            let f = hr[i / 2] / 60
            for k in 0..<t {
                let time = Float((i % 2) * t + k) / 30
                let v = cosf(2 * .pi * f * time)
                labels[i * t + k] = v
                for c in 0..<channels {
                    let x = c < 3 ? v : sinf(2 * .pi * f * time)
                    for p in 0..<pixels { clips[((i * channels + c) * t + k) * pixels + p] = 0.5 * x + 0.3 * noise() }
                }
            }
        }
        let data = ProcessedDataset(
            clips: Tensor(shape: [n, channels, t, side, side], scalars: clips), labels: Tensor(shape: [n, t], scalars: labels),
            hr: Tensor(shape: [n], scalars: (0..<n).map { hr[$0 / 2] }),
            subject: Tensor(shape: [n], scalars: (0..<n).map { Int64($0 / 2 + 1) }),
            chunk: Tensor(shape: [n], scalars: (0..<n).map { Int64($0 % 2) }), fps: 30, inputType: inputType, size: side)
        try data.save(to: url)
    }

    static func options(_ dir: URL, epochs: Int, output: String) -> TrainOptions {
        var o = TrainOptions(data: dir.appendingPathComponent("data.pt"), model: "tinypulse",
                             output: dir.appendingPathComponent(output))
        o.epochs = epochs
        o.batchSize = 2
        o.learningRate = 1e-2
        o.threads = 2
        o.patience = 100
        return o
    }

    @Test func trainsWritesCheckpointsAndResumesExactly() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rppg-train-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.dataset(at: dir.appendingPathComponent("data.pt"))

        let full = try TrainStep.run(Self.options(dir, epochs: 3, output: "full"))
        #expect(full.records.count == 3)
        #expect(full.validationSubjects == [3] && full.trainingSubjects == [1, 2])
        #expect(full.records.allSatisfy { $0.trainLoss.isFinite && $0.validationMAE.isFinite })
        #expect(FileManager.default.fileExists(atPath: full.log.path))
        #expect(full.log.deletingLastPathComponent().lastPathComponent == "logs")

        let last = try Checkpoint.load(full.lastCheckpoint)
        #expect(last.epoch == 3)
        #expect(last.stateDict.keys.count == 20)
        let tracked = try #require(last.stateDict["stem.1.num_batches_tracked"])
        #expect(tracked.dtype == .int64 && tracked.shape == [] && tracked.doubleValues() == [6])
        let optimizer = try #require(last.root["optimizer_state_dict"])
        #expect(optimizer["state"]?.dictEntries.count == 11)   // 3 conv weights, 3 × BN (weight, bias), head weight and bias
        #expect(optimizer["param_groups"] != nil)
        #expect(last.root["config"]?["model"]?.stringValue == "tinypulse")
        let best = try Checkpoint.load(full.bestCheckpoint)
        #expect(best.valMAE == full.bestValidationMAE && best.epoch == full.bestEpoch)

        // Two epochs, then resume to three: the same weights, bit for bit, as the straight run.
        var first = Self.options(dir, epochs: 3, output: "split")
        first.patience = 100
        _ = try TrainStep.run(Self.interrupted(first, after: 2))
        var again = first
        again.resume = true
        let resumed = try TrainStep.run(again)
        #expect(resumed.records.map(\.epoch) == [3])
        let a = try Checkpoint.load(resumed.lastCheckpoint).stateDict, b = last.stateDict
        for key in b.keys {
            #expect(a[key] == b[key], "\(key) differs after resume")
        }
    }

    /// `rppg train --model tinypulse2d`: the training loss falls, and the checkpoint it writes is
    /// recognised as TinyPulse2D with PyTorch's keys.
    @Test func trainsTinyPulse2D() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rppg-train2d-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.dataset(at: dir.appendingPathComponent("data.pt"))
        var o = Self.options(dir, epochs: 8, output: "t2d")
        o.model = "tinypulse2d"
        let result = try TrainStep.run(o)
        let losses = result.records.map(\.trainLoss)
        #expect(losses.count == 8 && losses.allSatisfy(\.isFinite))
        #expect(losses.last! < losses.first! - 0.1, "training loss \(losses)")
        let last = try Checkpoint.load(result.lastCheckpoint)
        #expect(last.stateDict.keys == ModelZoo.parameterShapes(.tinyPulse2D).map(\.key))
        #expect(try ModelZoo.detect(last.stateDict).architecture == .tinyPulse2D)
        #expect(last.root["config"]?["model"]?.stringValue == "tinypulse2d")
    }

    /// `rppg train --model ibvpnet` on 72-pixel clips of 16 frames: the loss falls, and the
    /// checkpoint has PyTorch's keys (IBVPNetZooTests checks them against PyTorch's) and is
    /// recognised as iBVPNet.
    @Test func trainsIBVPNet() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rppg-train-ibvpnet-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.dataset(at: dir.appendingPathComponent("data.pt"), frames: 16, side: 72)
        var o = Self.options(dir, epochs: 6, output: "ibvpnet")
        o.model = "ibvpnet"
        let result = try TrainStep.run(o)
        let losses = result.records.map(\.trainLoss)
        print("ibvpnet training losses \(losses)")
        #expect(losses.count == 6 && losses.allSatisfy(\.isFinite))
        #expect(losses.last! < losses.first! - 0.1, "training loss \(losses)")
        let last = try Checkpoint.load(result.lastCheckpoint)
        #expect(last.stateDict.keys == ModelZoo.parameterShapes(.iBVPNet).map(\.key))
        #expect(try ModelZoo.detect(last.stateDict).architecture == .iBVPNet)
    }

    /// The same run stopped after `epochs` epochs (the schedule still spans the full run).
    static func interrupted(_ o: TrainOptions, after epochs: Int) -> TrainOptions {
        var x = o
        x.stopAfterEpoch = epochs
        return x
    }

    @Test func badInputsGiveClearErrors() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rppg-train-bad-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let missing = Self.options(dir, epochs: 1, output: "out")
        #expect(throws: (any Error).self) { try TrainStep.run(missing) }
        try Self.dataset(at: dir.appendingPathComponent("data.pt"))
        var unknown = Self.options(dir, epochs: 1, output: "out")
        unknown.validationSubjects = [9]
        let error = #expect(throws: TrainError.self) { try TrainStep.run(unknown) }
        #expect(error?.description.contains("--val-subjects 9") == true)
        var resume = Self.options(dir, epochs: 1, output: "nothing-here")
        resume.resume = true
        #expect(throws: TrainError.self) { try TrainStep.run(resume) }
    }
}
