import Foundation
import TensorCore
import Testing
import Training

/// One full training step of TinyPulse (T 16, 36×36, batch 2, Neg-Pearson + MSE loss, Adam lr 1e-3)
/// from the same weights and batch as PyTorch: gradients and updated weights agree.
@Suite struct TinyPulseStepTests {
    @Test func oneAdamStepMatchesPyTorch() throws {
        let fx = TrainingFixtures.shared
        let s = fx.json["tinyPulseStep"] as! [String: Any]
        let initial = (s["initial"] as! [String: Any]).mapValues { fx.tensor($0)! }
        let order = s["parameterOrder"] as! [String]
        let graph = TinyPulseGraph.make(batch: 2, frames: 16, initializers: initial)
        let model = try TrainableGraph(graph: graph, parameterNames: order, threads: 2)
        let y = try #require(try model.forward(["input": fx.tensor(s["input"])!], training: true)["output"])
        #expect(relativeError(y, fx.tensor(s["output"])!) < 1e-4)
        let labels = fx.tensor(s["labels"])!
        let pearson = try Loss.negativePearson(predictions: y, labels: labels)
        let mse = try Loss.meanSquaredError(predictions: y, labels: labels)
        #expect(abs(pearson.value + mse.value - (s["loss"] as! Double)) < 1e-4)
        let g1 = pearson.gradient.floatValues(), g2 = mse.gradient.floatValues()
        let dLoss = Tensor(shape: y.shape, scalars: zip(g1, g2).map { $0 + $1 })
        let grads = try model.backward(["output": dLoss])
        for (key, ref) in s["gradients"] as! [String: Any] {
            let err = relativeError(grads[key]!, fx.tensor(ref)!)
            #expect(err < 1e-3, "gradient \(key): \(err)")
        }
        var optimizer = Adam(parameterCounts: model.parameterValues.map(\.count), learningRate: 1e-3)
        var params = model.parameterValues
        optimizer.step(parameters: &params, gradients: order.map { grads[$0]!.floatValues() })
        model.parameterValues = params
        for (key, ref) in s["updated"] as! [String: Any] {
            let want = fx.tensor(ref)!
            let err = relativeError(model.initializer(key)!, want)
            #expect(err < 1e-4, "updated \(key): \(err)")
        }
        for (key, n) in s["numBatchesTracked"] as! [String: Int] {
            #expect(model.numBatchesTracked[key] == Int64(n))
        }
    }
}
