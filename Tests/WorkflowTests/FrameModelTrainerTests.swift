import Foundation
import NN
import RPPG
import TensorCore
import Testing
import TorchIO
import Training
@testable import Workflow

/// The trainer `rppg train` runs on DeepPhys, TS-CAN and EfficientPhys — ``Trainer`` with
/// ``TrainModels``'s graph, frame batches (``FrameLayout``), the toolbox's MSE, Adam and OneCycle —
/// against two steps of rPPG-Toolbox's trainers in PyTorch (Tools/make_frame_model_trainer_fixtures.py).
@Suite struct FrameModelTrainerTests {
    @Test(arguments: [(ZooArchitecture.deepPhys, "deepphys_weights.pth"), (.tsCAN, "deepphys_weights.pth"),
                      (.efficientPhys, "efficientphys_weights.pth")])
    func twoTrainerStepsMatchPyTorch(_ a: ZooArchitecture, _ weights: String) throws {
        let dir = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil)).appendingPathComponent("frame_models")
        let fx = try TorchFile.load(dir.appendingPathComponent("\(a.rawValue)_trainer_steps.pt"))
        let clips = try #require(fx["clips"]?.tensor), labels = try #require(fx["labels"]?.tensor)
        let (frames, size) = (clips.shape[2], clips.shape[3])
        let sd = try Checkpoint.load(FrameModelWorkflowTests.zoo.appendingPathComponent(weights)).stateDict
        let shapes = TrainModels.parameterShapes(a, size: size)
        let initial = try shapes.map { key, _ in (key: key, tensor: try #require(sd[key], "\(key)")) }
        var config = TrainerConfiguration()
        config.batchSize = 2
        config.learningRate = 1e-3
        config.epochs = 2
        config.loss = TrainModels.defaultLoss(a)
        config.threads = 2
        // Dropout off on both sides (PyTorch's masks come from its own RNG); the rest is train's graph.
        let trainer = Trainer(initialState: initial, configuration: config, stepsPerEpoch: 2) { batch, inits in
            GraphPasses.removeDropout(try TrainModels.graph(a, initializers: inits, batch: batch, frames: frames, size: size))
        }
        trainer.batchInput = TrainModels.batchInput(a)
        let want = try #require(fx["losses"]?.tensor).doubleValues()
        for k in 0..<2 {
            let loss = try trainer.step(clips: clips, labels: labels)
            #expect(abs(loss - want[k]) < 1e-4 * abs(want[k]), "\(a.rawValue) step \(k + 1) loss \(loss) vs \(want[k])")
        }
        guard case .dict(let entries)? = fx["updated"] else { Issue.record("no updated state dict"); return }
        let state = Dictionary(trainer.stateDict.map { ($0.key, $0.tensor) }, uniquingKeysWith: { x, _ in x })
        var worst: Float = 0, checked = 0
        for entry in entries {
            guard case .string(let key) = entry.key, let ref = entry.value.tensor else { continue }
            if ref.dtype == .int64 {
                #expect(state[key]?.scalars(as: Int64.self) == ref.scalars(as: Int64.self), "\(key)")
                continue
            }
            let got: [Float]
            if key == "final_dense_1.weight[::64]" {
                let full = try #require(state["final_dense_1.weight"]).floatValues()
                got = stride(from: 0, to: full.count, by: 64).map { full[$0] }
            } else {
                got = try #require(state[key], "\(key)").floatValues()
            }
            let r = ref.floatValues()
            let err = (zip(got, r).map { abs($0 - $1) }.max() ?? .infinity) / max(r.map(abs).max() ?? 0, 1e-12)
            worst = max(worst, err)
            checked += 1
            #expect(err < 1e-4, "\(a.rawValue) updated \(key): \(err)")
        }
        print("\(a.rawValue): two trainer steps, \(checked) tensors, worst relative error \(worst)")
        #expect(checked == shapes.filter { !$0.key.hasSuffix("num_batches_tracked") }.count)
    }

    /// EfficientPhys's batch takes one extra frame (the batch's last, repeated), the toolbox's way.
    @Test func frameBatchesFollowTheToolboxLayout() throws {
        let clips = Tensor(shape: [3, 2, 4, 1, 1], scalars: (0..<24).map(Float.init))
        let (shape, v) = FrameLayout.frames(fromClips: clips, indices: [2, 0], extraFrame: true)
        #expect(shape == [9, 2, 1, 1])
        // Clip 2 frames 0–3 (channel 0 then 1), clip 0 frames 0–3, then clip 0's frame 3 again.
        #expect(v == [16, 20, 17, 21, 18, 22, 19, 23, 0, 4, 1, 5, 2, 6, 3, 7, 3, 7])
        let one = FrameLayout.frames(fromClip: clips.batch(1..<2), extraFrame: false)
        #expect(one.shape == [4, 2, 1, 1] && one.floatValues() == [8, 12, 9, 13, 10, 14, 11, 15])
    }
}
