import Foundation
import NN
import ONNX
import Quantization
import TensorCore
import Testing
import TorchIO
import Training

/// Batched MatMul of two activations (PhysFormer's `q @ kᵀ` and `scores @ v`) through every path:
/// PyTorch's ONNX export of (x @ xᵀ) @ x read and run, training's backward, QDQ insertion against
/// quantize_static (ORT's QDQMatMul) and the int8 engine's float fallback against ORT's QDQ run
/// (fixtures from Tools/make_op_fixtures.py).
@Suite struct MatMulTests {
    static func tensors() throws -> PickleValue { try TorchFile.load(try LayerNormTests.fixture("matmul.pt")) }

    @Test func batchedProductsRunAsPyTorchAndORTAndTrain() throws {
        let fx = try Self.tensors()
        let graph = try ONNXReader.read(try LayerNormTests.fixture("matmul.onnx"))
        #expect(graph.nodes.map(\.op.name) == ["Transpose", "MatMul", "MatMul"])
        #expect(graph.outputs[0].shape == [2, 3, 5, 4])
        let x = try #require(fx["input"]?.tensor), want = try #require(fx["output"]?.tensor)
        let scale = want.floatValues().map(abs).max() ?? 1
        let y = try FP32Executor(graph: graph, threads: 1).run(x)
        #expect(LayerNormTests.worst(y, want) / scale < 1e-6)
        #expect(LayerNormTests.worst(y, try #require(fx["ort"]?.tensor)) / scale < 1e-6)
        let model = try TrainableGraph(graph: graph, threads: 1)
        _ = try model.forward(["input": x], training: true)
        let grads = try model.backward(["output": try #require(fx["outputGradient"]?.tensor)], inputGradients: true)
        let dx = try #require(fx["inputGradient"]?.tensor)
        let err = LayerNormTests.worst(try #require(grads["input"]), dx) / (dx.floatValues().map(abs).max() ?? 1)
        #expect(err < 1e-5, "input gradient \(err)")
    }

    /// Broadcast batch axes: a [3, 1, 2, 4] · [5, 4, 3] product is five [2, 4]·[4, 3] per leading 3.
    @Test func broadcastBatchAxes() throws {
        let a = Tensor(shape: [3, 1, 2, 4], scalars: (0..<24).map { Float($0 % 7) - 3 })
        let b = Tensor(shape: [5, 4, 3], scalars: (0..<60).map { Float($0 % 5) - 2 })
        let g = Graph(nodes: [Node(name: "mm", op: .matMul, inputs: ["a", "b"], outputs: ["y"])],
                      inputs: [ValueInfo(name: "a", shape: a.shape)], outputs: [ValueInfo(name: "y", shape: [])], initializers: ["b": b])
        let y = try FP32Executor(graph: g, threads: 1).run(a)
        #expect(y.shape == [3, 5, 2, 3])
        let (av, bv, yv) = (a.floatValues(), b.floatValues(), y.floatValues())
        for i in 0..<3 { for j in 0..<5 { for r in 0..<2 { for c in 0..<3 {
            let want = (0..<4).reduce(Float(0)) { $0 + av[(i * 2 + r) * 4 + $1] * bv[(j * 4 + $1) * 3 + c] }
            #expect(yv[((i * 5 + j) * 2 + r) * 3 + c] == want)
        } } } }
    }

    @Test func qdqInsertionEqualsQuantizeStaticAndInt8MatchesORT() throws {
        let (theirs, outputScale) = try LayerNormTests.expectQDQEqualsQuantizeStatic("matmul")
        let fx = try Self.tensors()
        let y = try Int8Executor(graph: theirs, threads: 1).run(try #require(fx["input"]?.tensor))
        let lsb = LayerNormTests.worst(y, try #require(fx["ortInt8"]?.tensor)) / outputScale
        print("MatMul int8 (float fallback) vs ORT: \(lsb) LSB")
        #expect(lsb <= 1.001)
    }
}
