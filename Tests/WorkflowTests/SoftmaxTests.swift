import Foundation
import NN
import ONNX
import Quantization
import TensorCore
import Testing
import TorchIO
import Training

/// The Softmax op (PhysFormer's attention) through every path: PyTorch's ONNX export read and run,
/// training's backward, our ONNX writer, QDQ insertion against quantize_static (which forces the
/// output's range to [0, 1]) and the int8 engine's float fallback against ORT's QDQ run
/// (fixtures from Tools/make_op_fixtures.py).
@Suite struct SoftmaxTests {
    static func fixture(_ name: String) throws -> URL { try LayerNormTests.fixture(name) }
    static func tensors() throws -> PickleValue { try TorchFile.load(try fixture("softmax.pt")) }

    @Test func pytorchExportRunsAsPyTorchAndORTAndRoundTrips() throws {
        let fx = try Self.tensors()
        let graph = try ONNXReader.read(try Self.fixture("softmax.onnx"))
        #expect(graph.nodes.map(\.op) == [.softmax(axis: -1)])
        let x = try #require(fx["input"]?.tensor)
        let y = try FP32Executor(graph: graph, threads: 1).run(x)
        #expect(LayerNormTests.worst(y, try #require(fx["output"]?.tensor)) < 1e-6)
        #expect(LayerNormTests.worst(y, try #require(fx["ort"]?.tensor)) < 1e-6)
        let back = try ONNXReader.decode(try ONNXWriter.encode(graph, opset: 13), source: "softmax_13.onnx")
        #expect(try FP32Executor(graph: back, threads: 1).run(x).floatValues() == y.floatValues())
    }

    @Test func backwardMatchesPyTorch() throws {
        let fx = try Self.tensors()
        let graph = try ONNXReader.read(try Self.fixture("softmax.onnx"))
        let model = try TrainableGraph(graph: graph, threads: 1)
        let x = try #require(fx["input"]?.tensor)
        let y = try #require(try model.forward(["input": x], training: true)["output"])
        #expect(LayerNormTests.worst(y, try #require(fx["output"]?.tensor)) < 1e-6)
        let grads = try model.backward(["output": try #require(fx["outputGradient"]?.tensor)], inputGradients: true)
        let want = try #require(fx["inputGradient"]?.tensor)
        let err = LayerNormTests.worst(try #require(grads["input"]), want) / (want.floatValues().map(abs).max() ?? 1)
        #expect(err < 1e-5, "input gradient \(err)")
    }

    @Test func qdqInsertionEqualsQuantizeStaticAndInt8MatchesORT() throws {
        let (theirs, outputScale) = try LayerNormTests.expectQDQEqualsQuantizeStatic("softmax")
        // ORT's adjustment: the output is quantized on [0, 1], not on its calibrated range.
        #expect(abs(outputScale - 1 / 255) < 1e-9)
        let fx = try Self.tensors()
        let y = try Int8Executor(graph: theirs, threads: 1).run(try #require(fx["input"]?.tensor))
        let lsb = LayerNormTests.worst(y, try #require(fx["ortInt8"]?.tensor)) / outputScale
        print("Softmax int8 (float fallback) vs ORT: \(lsb) LSB")
        #expect(lsb <= 1.001)
    }
}
