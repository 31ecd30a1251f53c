import Foundation
import NN
import RPPG
import TensorCore
import Testing
import TorchIO
import Training

/// One training step of TinyPulse2D (T 16, 16×16 frames, batch 2, Neg-Pearson + MSE, Adam lr 1e-3)
/// from PyTorch's weights and batch (Tools/make_training_fixtures.py): output, gradients and
/// updated weights agree with PyTorch.
@Suite struct TinyPulse2DStepTests {
    static func relativeError(_ a: Tensor, _ b: Tensor) -> Float {
        let x = a.floatValues(), y = b.floatValues()
        let scale = y.map(abs).max() ?? 0
        return (zip(x, y).map { abs($0 - $1) }.max() ?? .infinity) / max(scale, 1e-12)
    }

    @Test func oneAdamStepMatchesPyTorch() throws {
        let url = try #require(Bundle.module.url(forResource: "tinypulse2d_step", withExtension: "pt", subdirectory: "Fixtures"))
        let f = try TorchFile.load(url)
        func dict(_ key: String) throws -> StateDict { try #require(f[key].flatMap(StateDict.init), "\(key)") }
        let initial = try dict("initial")
        guard case .list(let names)? = f["parameterOrder"] else { Issue.record("parameterOrder is not a list"); return }
        let order = names.compactMap(\.stringValue)
        // 6 conv weights, the head bias, 5 BatchNorms × (weight, bias).
        #expect(order.count == 17)
        let x = try #require(f["input"]?.tensor), labels = try #require(f["labels"]?.tensor)
        let graph = try ModelZoo.graph(.tinyPulse2D, stateDict: initial, batch: 2, frames: 16, inputSize: 16)
        let model = try TrainableGraph(graph: graph, parameterNames: order, threads: 2)
        let y = try #require(try model.forward(["input": x], training: true)["output"])
        let expectedY = try #require(f["output"]?.tensor)
        #expect(Self.relativeError(y, expectedY) < 1e-4)
        let pearson = try Loss.negativePearson(predictions: y, labels: labels)
        let mse = try Loss.meanSquaredError(predictions: y, labels: labels)
        let loss = try #require(f["loss"]?.doubleValue)
        #expect(abs(pearson.value + mse.value - loss) < 1e-4)
        let dLoss = Tensor(shape: y.shape, scalars: zip(pearson.gradient.floatValues(), mse.gradient.floatValues()).map { $0 + $1 })
        let grads = try model.backward(["output": dLoss])
        let expectedGrads = try dict("gradients")
        #expect(expectedGrads.keys.sorted() == order.sorted())
        for (key, ref) in expectedGrads.entries {
            let got = try #require(grads[key], "\(key)")
            let err = Self.relativeError(got, ref)
            #expect(err < 1e-3, "gradient \(key): \(err)")
        }
        var optimizer = Adam(parameterCounts: model.parameterValues.map(\.count), learningRate: 1e-3)
        var params = model.parameterValues
        optimizer.step(parameters: &params, gradients: order.map { grads[$0]!.floatValues() })
        model.parameterValues = params
        for (key, want) in try dict("updated").entries where want.dtype == .float32 {
            let got = try #require(model.initializer(key), "\(key)")
            let err = Self.relativeError(got, want)
            #expect(err < 1e-4, "updated \(key): \(err)")
        }
    }
}
