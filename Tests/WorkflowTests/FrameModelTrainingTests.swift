import Foundation
import NN
import RPPG
import TensorCore
import Testing
import TorchIO
import Training

/// One training step of TS-CAN and EfficientPhys in Swift against PyTorch
/// (Tools/make_frame_model_training_fixtures.py): train-mode forward (BatchNorm on batch
/// statistics, dropout off as in the fixture), MSE, backward, one SGD step (lr 1; why not Adam: the
/// fixture script's header).
@Suite struct FrameModelTrainingTests {
    static let zoo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("RPPGTests/Fixtures/zoo")

    @Test(arguments: [(ZooArchitecture.tsCAN, "deepphys_weights.pth"), (.efficientPhys, "efficientphys_weights.pth")])
    func oneSGDStepMatchesPyTorch(_ a: ZooArchitecture, _ weights: String) throws {
        let dir = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil)).appendingPathComponent("frame_models")
        let fx = try TorchFile.load(dir.appendingPathComponent("\(a.rawValue)_train_step.pt"))
        let x = try #require(TorchFile.load(Self.zoo.appendingPathComponent("\(a.rawValue)_frames_b2_t10_s36.pt"))["input"]?.tensor)
        let sd = try Checkpoint.load(Self.zoo.appendingPathComponent(weights)).stateDict
        let graph = GraphPasses.removeDropout(try ModelZoo.graph(a, stateDict: sd, batch: 2, frames: 10))
        // PyTorch's model.parameters() order: the state dict's keys without the BatchNorm buffers.
        let order = ModelZoo.parameterShapes(a, inputSize: 36).map(\.key)
            .filter { !$0.hasSuffix("running_mean") && !$0.hasSuffix("running_var") && !$0.hasSuffix("num_batches_tracked") }
        let model = try TrainableGraph(graph: graph, parameterNames: order, threads: 2)
        let y = try #require(try model.forward(["input": x], training: true)["output"])
        let expected = try #require(fx["output"]?.tensor)
        let forwardError = relativeError(y, expected)
        #expect(forwardError < 1e-4, "\(a.rawValue) train-mode forward: \(forwardError)")
        let mse = try Loss.meanSquaredError(predictions: y, labels: try #require(fx["labels"]?.tensor))
        let loss = try #require(fx["loss"]?.tensor).floatValues()[0]
        #expect(abs(Float(mse.value) - loss) < 1e-4 * abs(loss), "\(a.rawValue) loss \(mse.value) vs \(loss)")
        let grads = try model.backward(["output": mse.gradient])
        var gradientWorst: Float = 0
        guard case .dict(let gradEntries)? = fx["gradients"] else { Issue.record("no gradients"); return }
        // Errors relative to the tensor's largest gradient, floored at 1e-3 of the model's: a
        // gradient of 2e-7 beside ones of 0.2 (EfficientPhys's attention bias) is cancellation noise.
        let largest = gradEntries.compactMap { $0.value.tensor?.floatValues().map(abs).max() }.max() ?? 0
        for entry in gradEntries {
            guard case .string(let key) = entry.key, let want = entry.value.tensor else { continue }
            let g: Tensor
            if key == "final_dense_1.weight[::64]" {
                let full = try #require(grads["final_dense_1.weight"]).floatValues()
                g = Tensor(shape: want.shape, scalars: stride(from: 0, to: full.count, by: 64).map { full[$0] })
            } else {
                g = try #require(grads[key], "\(key)")
            }
            let err = relativeError(g, want, floor: 1e-3 * largest)
            gradientWorst = max(gradientWorst, err)
            #expect(err < 1e-3, "\(a.rawValue) gradient \(key): \(err)")
        }
        var sgd = SGD(parameterCount: order.count, learningRate: 1)
        var params = model.parameterValues
        sgd.step(parameters: &params, gradients: order.map { grads[$0]!.floatValues() })
        model.parameterValues = params

        guard case .dict(let entries)? = fx["updated"] else { Issue.record("no updated state dict"); return }
        var worst: Float = 0, checked = 0
        for entry in entries {
            guard case .string(let key) = entry.key, let want = entry.value.tensor, want.dtype == .float32 else { continue }
            let got: Tensor
            if key == "final_dense_1.weight[::64]" {
                let full = try #require(model.initializer("final_dense_1.weight")).floatValues()
                got = Tensor(shape: want.shape, scalars: stride(from: 0, to: full.count, by: 64).map { full[$0] })
            } else {
                got = try #require(model.initializer(key), "\(key)")
            }
            let err = relativeError(got, want)
            worst = max(worst, err)
            checked += 1
            #expect(err < 1e-4, "\(a.rawValue) updated \(key): \(err)")
        }
        print("\(a.rawValue): forward \(forwardError), gradients \(gradientWorst), \(checked) updated tensors, worst relative error \(worst)")
        #expect(checked == order.count + (a == .efficientPhys ? 2 : 0))
        if a == .efficientPhys { #expect(model.numBatchesTracked["batch_norm.num_batches_tracked"] == 1) }
    }

    /// max |a − b| / max(max |b|, floor).
    func relativeError(_ a: Tensor, _ b: Tensor, floor: Float = 0) -> Float {
        let x = a.floatValues(), y = b.floatValues()
        let scale = max(y.map(abs).max() ?? 0, floor)
        let diff = zip(x, y).map { abs($0 - $1) }.max() ?? 0
        return scale == 0 ? diff : diff / scale
    }
}
