import Foundation
import NN
import ONNX
import Quantization
import RPPG
import TensorCore
import Testing
import TorchIO
import Training
@testable import Workflow

/// rPPG-Toolbox's PhysFormer (small stored configuration: dim 16, 6 layers, T = 16, 128 pixels)
/// through quantization and training, against what quantize_static, ONNX Runtime's int8 kernels
/// and PyTorch made of the same weights (Tools/make_physformer_fixtures.py).
@Suite struct PhysFormerWorkflowTests {
    static func fixture(_ name: String) throws -> URL { try FrameModelQuantizationTests.fixture(name) }
    static let weights = FrameModelTrainingTests.zoo.appendingPathComponent("physformer_weights.pth")
    /// The clips ORT's int8 model ran on: the two halves of formula_input([2, 3, 16, 128, 128]).
    static var clips: [Tensor] {
        let x = FrameModelTrainingTests.formulaInput([2, 3, 16, 128, 128])
        return [x.batch(0..<1), x.batch(1..<2)]
    }

    /// Our QDQ insertion on `rppg export --opset 17`'s graph, with the ranges ORT calibrated, is
    /// quantize_static's model: same nodes, scales, zero points, int8 weights and int32 biases.
    @Test func qdqInsertionEqualsQuantizeStatic() throws {
        let (theirs, _) = try LayerNormTests.expectQDQEqualsQuantizeStatic(
            try FrameModelQuantizationTests.exportedGraph("physformer"),
            qdq: try Self.fixture("physformer_qdq.onnx"), meta: try Self.fixture("physformer.json"))
        #expect(theirs.nodes.filter { $0.op.name == "QuantizeLinear" }.count > 100)
    }

    /// The int8 engine on quantize_static's model against ORT's int8 run on the same clips.
    @Test func int8EngineAgainstORT() throws {
        let graph = try ONNXReader.read(try Self.fixture("physformer_qdq.onnx"))
        let c = try FrameModelQuantizationTests.compareInt8("physformer", graph: graph, clips: Self.clips)
        print("physformer int8 vs ORT: \(c.summary)")
        #expect(c.missing.isEmpty, "values not in the int8 plan: \(c.missing)")
        #expect(c.total > 100_000)
        #expect(c.outputMaxLSB <= 1.001, "output \(c.outputMaxLSB) LSB from ORT")
        // Not met yet (README, PhysFormer): 116,430 of 117,854 sampled values (98.8 %) within 1 LSB,
        // worst 6; most of the rest are attention scores (MatMul of Q and Kᵀ, then Div), where a
        // 1-LSB tie in Q or K sums to several LSB. Recorded as a known issue, not as a pass.
        withKnownIssue("PhysFormer's int8 internals are 98.8 % within 1 LSB of ORT, not 100 %") {
            #expect(c.withinOne == c.total, "\(c.total - c.withinOne) of \(c.total) sampled values beyond 1 LSB")
        }
    }

    /// The trainer `rppg train --model physformer` runs (TrainModels.trainer: Neg_Pearson, Adam,
    /// OneCycle) from the small model's weights.
    static func trainer(epochs: Int, stepsPerEpoch: Int) throws -> Trainer {
        let sd = try Checkpoint.load(Self.weights).stateDict
        let shapes = ModelZoo.parameterShapes(.physFormer, inputSize: 128, shapes: Dictionary(uniqueKeysWithValues: sd.entries.map { ($0.key, $0.tensor.shape) }))
        let initial = try shapes.map { key, _ in (key: key, tensor: try #require(sd[key], "\(key)")) }
        var config = TrainerConfiguration()
        config.batchSize = 2
        config.learningRate = 1e-3
        config.epochs = epochs
        config.loss = TrainModels.defaultLoss(.physFormer)
        config.threads = 2
        return TrainModels.trainer(.physFormer, initialState: initial, configuration: config, stepsPerEpoch: stepsPerEpoch,
                                   frames: 16, size: 128)
    }

    /// Two steps equal PyTorch's on the toolbox's parameters: the CDC_T convs train as the state
    /// dict holds them (the fold only in the graph, its gradient mapped back), so the updated
    /// state dict, what a checkpoint saves, is the toolbox model's after the same steps. The
    /// parameters with no gradient in exact arithmetic (the fixture's 'inert': biases before a
    /// training-mode BatchNorm, and so on) are rounding noise on both sides; for them the check is
    /// that Adam moved them by at most its step bound, and the BatchNorm running means that took
    /// in such a bias are compared with it taken out.
    @Test func twoTrainerStepsMatchPyTorchOnTheToolboxParameters() throws {
        let fx = try TorchFile.load(try Self.fixture("physformer_trainer_steps.pt"))
        let labels = try #require(fx["labels"]?.tensor)
        let trainer = try Self.trainer(epochs: 2, stepsPerEpoch: 2)
        #expect(trainer.reparameterizations.count == 2 * 6)   // proj_q and proj_k of 6 blocks
        let before = Dictionary(trainer.stateDict.map { ($0.key, $0.tensor) }, uniquingKeysWith: { x, _ in x })
        let x = FrameModelTrainingTests.formulaInput([2, 3, 16, 128, 128])
        let want = try #require(fx["losses"]?.tensor).doubleValues()
        var afterStep1: [String: Tensor] = [:]
        for k in 0..<2 {
            let loss = try trainer.step(clips: x, labels: labels)
            #expect(abs(loss - want[k]) < 1e-4 * abs(want[k]), "step \(k + 1) loss \(loss) vs \(want[k])")
            if k == 0 { afterStep1 = Dictionary(trainer.stateDict.map { ($0.key, $0.tensor) }, uniquingKeysWith: { x, _ in x }) }
        }
        guard case .dict(let inertEntries)? = fx["inert"], case .dict(let entries)? = fx["updated"],
              case .dict(let theirStep1)? = fx["inertAfterStep1"] else {
            Issue.record("fixture without 'inert', 'updated' or 'inertAfterStep1'")
            return
        }
        let inert = Set(inertEntries.compactMap { if case .string(let k) = $0.key { return k } else { return nil } })
        let theirInert1 = Dictionary(theirStep1.compactMap { e -> (String, Tensor)? in
            if case .string(let k) = e.key, let t = e.value.tensor { return (k, t) } else { return nil }
        }, uniquingKeysWith: { x, _ in x })
        /// The inert conv bias a BatchNorm's running mean (`P.N.running_mean`, the conv `P.(N−1)`) took
        /// 0.1 (PyTorch's momentum) of at step 2: noise on both sides, taken out of both before comparing.
        func feedingBias(_ key: String) -> String? {
            var parts = key.split(separator: ".").map(String.init)
            guard key.hasSuffix(".running_mean"), parts.count >= 3, let n = Int(parts[parts.count - 2]), n > 0 else { return nil }
            parts[parts.count - 2] = String(n - 1)
            parts[parts.count - 1] = "bias"
            return inert.contains(parts.joined(separator: ".")) ? parts.joined(separator: ".") : nil
        }
        let state = Dictionary(trainer.stateDict.map { ($0.key, $0.tensor) }, uniquingKeysWith: { x, _ in x })
        var denoised = 0
        var worst: Float = 0, worstKey = "", checked = 0
        for entry in entries {
            guard case .string(let key) = entry.key, let ref = entry.value.tensor else { continue }
            if ref.dtype == .int64 {
                #expect(state[key]?.scalars(as: Int64.self) == ref.scalars(as: Int64.self), "\(key)")
                continue
            }
            let got = try FrameModelTrainingTests.lookup(key) { try #require(state[$0], "\($0)") }.floatValues()
            if inert.contains(key) {
                // Adam moves an element by at most lr·(1 − β₁)/√(1 − β₂) ≈ 3.2·lr a step (Kingma & Ba, §2.1), lr ≤ 1e-3.
                let start = try #require(before[key]).floatValues()
                let moved = zip(got, start).map { abs($0 - $1) }.max() ?? .infinity
                #expect(moved <= 2 * 3.2e-3, "inert \(key) moved \(moved)")
                continue
            }
            var (g, r) = (got, ref.floatValues())
            if let bias = feedingBias(key) {
                let (mine1, theirs1) = (try #require(afterStep1[bias]).floatValues(), try #require(theirInert1[bias]).floatValues())
                g = zip(g, mine1).map { $0 - 0.1 * $1 }
                r = zip(r, theirs1).map { $0 - 0.1 * $1 }
                denoised += 1
            }
            let err = (zip(g, r).map { abs($0 - $1) }.max() ?? .infinity) / max(r.map(abs).max() ?? 0, 1e-12)
            if err > worst { (worst, worstKey) = (err, key) }
            checked += 1
            #expect(err < 1e-4, "updated \(key): \(err)")
        }
        let torch64 = try #require(fx["torch32VsTorch64"]?.tensor).floatValues()[0]
        print("physformer: two trainer steps, \(checked) tensors within \(worst) relative of PyTorch (worst \(worstKey)); "
              + "\(inert.count) inert; PyTorch float32 vs float64 \(torch64)")
        let noGradient = ["Stem0.0.bias", "Stem1.0.bias", "Stem2.0.bias", "upsample.1.bias", "upsample2.1.bias", "ConvBlockLast.bias"]
        #expect(inert == Set(trainer.parameterNames.filter { $0.hasSuffix("attn.proj_k.1.bias") || $0.hasSuffix("norm2.bias") || noGradient.contains($0) }))
        #expect(checked + inert.count == trainer.keys.filter { !$0.hasSuffix("num_batches_tracked") }.count)
        #expect(denoised == 5)   // Stem0–2, upsample, upsample2
        // The state a checkpoint saves, bound again by ModelZoo.graph (which folds it), is the model the trainer predicts with.
        let graph = try ModelZoo.graph(.physFormer, stateDict: StateDict(trainer.stateDict), batch: 2, frames: 16)
        let reloaded = try FP32Executor(graph: graph, threads: 2).run(x).floatValues()
        let predicted = try trainer.predict(clips: x, indices: [0, 1]).flatMap { $0 }
        let reloadError = zip(reloaded, predicted).map { abs($0 - $1) }.max()! / (predicted.map(abs).max() ?? 1)
        #expect(reloaded.count == predicted.count && reloadError < 1e-5, "reloaded checkpoint vs trainer: \(reloadError)")
    }

    /// A few more steps on the same batch: the Neg_Pearson loss falls.
    @Test func lossFallsOverAFewSteps() throws {
        let fx = try TorchFile.load(try Self.fixture("physformer_trainer_steps.pt"))
        let labels = try #require(fx["labels"]?.tensor)
        let trainer = try Self.trainer(epochs: 1, stepsPerEpoch: 6)
        let x = FrameModelTrainingTests.formulaInput([2, 3, 16, 128, 128])
        let losses = try (0..<6).map { _ in try trainer.step(clips: x, labels: labels) }
        print("physformer losses over 6 steps: \(losses)")
        #expect(losses.allSatisfy { $0.isFinite })
        #expect(losses.last! < losses.first! - 0.1, "losses \(losses)")
    }
}
