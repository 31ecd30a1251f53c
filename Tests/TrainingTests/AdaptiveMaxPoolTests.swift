import Foundation
import NN
import TensorCore
import Testing
import TorchIO
import Training

/// `AdaptiveMaxPool` (a Gather of every window's indices, then a MaxPool) against PyTorch's
/// F.adaptive_max_pool3d with uneven windows, forward (FP32 executor and training) and backward
/// (fixture from Tools/make_ibvpnet_fixtures.py).
@Suite struct AdaptiveMaxPoolTests {
    @Test func forwardAndGradientMatchPyTorch() throws {
        let url = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil)).appendingPathComponent("adaptive_max_pool.pt")
        let fx = try TorchFile.load(url)
        let x = try #require(fx["input"]?.tensor), expected = try #require(fx["output"]?.tensor)
        let b = GraphBuilder()
        let y = try AdaptiveMaxPool([16, 2, 1]).trace(b.input("x", shape: x.shape), in: b)
        let graph = try b.graph(output: y, outputName: "y", weights: [:])
        // 31 → 16 and 5 → 2 are uneven (two Gathers), 4 → 1 is a plain kernel of 4.
        #expect(graph.nodes.map(\.op.name) == ["Gather", "Gather", "MaxPool"])
        #expect(graph.outputs[0].shape == [2, 3, 16, 2, 1])
        #expect(try FP32Executor(graph: graph, threads: 1).run(x).floatValues() == expected.floatValues())

        let model = try TrainableGraph(graph: graph, threads: 2)
        let forward = try #require(try model.forward(["x": x], training: true)["y"])
        #expect(forward.floatValues() == expected.floatValues())
        let grads = try model.backward(["y": try #require(fx["outputGradient"]?.tensor)], inputGradients: true)
        let dx = try #require(grads["x"]), want = try #require(fx["inputGradient"]?.tensor)
        #expect(dx.shape == want.shape)
        // Each window routes its gradient to its maximum; windows that overlap add (exact sums of ≤ 2 terms).
        let worst = zip(dx.floatValues(), want.floatValues()).map { abs($0 - $1) }.max() ?? 0
        #expect(worst <= 1e-6, "input gradient off by \(worst)")
    }

    @Test func windowsAreTorchs() {
        // PyTorch: start = ⌊i·n/m⌋, end = ⌈(i+1)·n/m⌉.
        #expect((0..<2).map { AdaptiveMaxPool.window($0, input: 5, output: 2) } == [0..<3, 2..<5])
        #expect(AdaptiveMaxPool.window(15, input: 31, output: 16) == 29..<31)
        #expect((0..<16).map { AdaptiveMaxPool.window($0, input: 31, output: 16).count }.max() == 3)
    }
}
