import Foundation
import TensorCore
import Testing
import Training

/// Optimizers, schedules and losses against PyTorch (fixture values from torch.optim).
@Suite struct OptimizerTests {
    @Test(arguments: ["adam", "adam_wd", "adamw", "sgd_momentum", "sgd_nesterov"])
    func fiveStepsMatchPyTorch(_ name: String) throws {
        let fx = TrainingFixtures.shared
        let c = (fx.json["optimizers"] as! [[String: Any]]).first { $0["name"] as! String == name }!
        var params = [fx.tensor(c["initial"])!.floatValues()]
        var optimizer: any Optimizer
        switch name {
        case "adam": optimizer = Adam(parameterCounts: [7], learningRate: 1e-2)
        case "adam_wd": optimizer = Adam(parameterCounts: [7], learningRate: 1e-2, weightDecay: 0.1)
        case "adamw": optimizer = Adam.adamW(parameterCounts: [7], learningRate: 1e-2, weightDecay: 0.05)
        case "sgd_momentum": optimizer = SGD(parameterCount: 1, learningRate: 0.1, momentum: 0.9, weightDecay: 0.01)
        default: optimizer = SGD(parameterCount: 1, learningRate: 0.1, momentum: 0.9, nesterov: true)
        }
        for g in c["gradients"] as! [Any] {
            optimizer.step(parameters: &params, gradients: [fx.tensor(g)!.floatValues()])
        }
        let want = fx.tensor(c["final"])!
        #expect(relativeError(Tensor(shape: [7], scalars: params[0]), want) < 1e-6)
    }

    @Test func oneCycleMatchesPyTorch() {
        let s = (TrainingFixtures.shared.json["schedules"] as! [String: Any])["oneCycle"] as! [String: Any]
        let schedule = OneCycleSchedule(maxLearningRate: s["maxLR"] as! Double, totalSteps: s["totalSteps"] as! Int)
        let lrs = s["lr"] as! [Double], moms = s["momentum"] as! [Double]
        for i in lrs.indices {
            let v = schedule.values(at: i)
            #expect(abs(v.learningRate - lrs[i]) <= 1e-12 * max(1, lrs[i]) + 1e-15, "lr at \(i)")
            #expect(abs(v.momentum - moms[i]) < 1e-12, "momentum at \(i)")
        }
    }

    @Test func cosineMatchesPyTorch() {
        let s = (TrainingFixtures.shared.json["schedules"] as! [String: Any])["cosine"] as! [String: Any]
        let schedule = CosineSchedule(baseLearningRate: s["baseLR"] as! Double, periodSteps: s["periodSteps"] as! Int,
                                      minLearningRate: s["minLR"] as! Double)
        for (i, lr) in (s["lr"] as! [Double]).enumerated() {
            #expect(abs(schedule.learningRate(at: i) - lr) < 1e-12, "lr at \(i)")
        }
    }

    @Test func gradientClippingScalesToMaxNorm() {
        var g: [[Float]] = [[3, 0], [0, 4]]
        let norm = clipGradientNorm(&g, maxNorm: 1)
        #expect(abs(norm - 5) < 1e-6)
        #expect(abs(g[0][0] - 0.6) < 1e-5 && abs(g[1][1] - 0.8) < 1e-5)
        var small: [[Float]] = [[0.1]]
        clipGradientNorm(&small, maxNorm: 1)
        #expect(small[0][0] == 0.1)
    }

    @Test func negativePearsonGradientMatchesFiniteDifferences() throws {
        var rng = SeededGenerator(seed: 3)
        let x = (0..<24).map { _ in rng.uniform(-1, 1) }
        let y = (0..<24).map { _ in rng.uniform(-1, 1) }
        let labels = Tensor(shape: [2, 12], scalars: y)
        let (value, grad) = try Loss.negativePearson(predictions: Tensor(shape: [2, 12], scalars: x), labels: labels)
        #expect(value > 0 && value < 2)
        let g = grad.floatValues()
        for j in [0, 5, 13, 23] {
            var up = x, down = x
            up[j] += 1e-3
            down[j] -= 1e-3
            let lu = try Loss.negativePearson(predictions: Tensor(shape: [2, 12], scalars: up), labels: labels).value
            let ld = try Loss.negativePearson(predictions: Tensor(shape: [2, 12], scalars: down), labels: labels).value
            #expect(abs((lu - ld) / 2e-3 - Double(g[j])) < 1e-3)
        }
        // A perfect prediction (up to scale and offset) has loss 0.
        let perfect = try Loss.negativePearson(predictions: Tensor(shape: [2, 12], scalars: y.map { 3 * $0 + 1 }), labels: labels)
        #expect(abs(perfect.value) < 1e-9)
    }
}
