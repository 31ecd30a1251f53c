import Foundation
import Kernels
import NN
import ONNX
import Quantization
import TensorCore
import Testing
import TorchIO
import Training

/// The LayerNormalization op (PhysFormer's and RhythmFormer's nn.LayerNorm) through every path:
/// PyTorch's ONNX export read and run, the layer library, training's backward, our ONNX writer,
/// QDQ insertion against quantize_static, and the int8 engine's float fallback against ORT's QDQ run
/// (fixtures from Tools/make_op_fixtures.py).
@Suite struct LayerNormTests {
    static func fixture(_ name: String) throws -> URL {
        try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil)).appendingPathComponent("ops").appendingPathComponent(name)
    }
    static func tensors() throws -> PickleValue { try TorchFile.load(try fixture("layernorm.pt")) }
    /// The op fixtures' QDQ check: our insertion on the ranges ORT calibrated equals
    /// `quantize_static`'s file (`<stem>_qdq.onnx`) node for node and initializer for initializer.
    /// Returns ORT's QDQ graph and its output scale (`<stem>.json`) for the int8 comparison.
    static func expectQDQEqualsQuantizeStatic(_ stem: String) throws -> (theirs: Graph, outputScale: Float) {
        try expectQDQEqualsQuantizeStatic(try ONNXReader.read(try fixture("\(stem).onnx")),
                                          qdq: try fixture("\(stem)_qdq.onnx"), meta: try fixture("\(stem).json"))
    }

    /// The same check on any FP32 graph, `qdq` the file quantize_static made of it and `meta` the
    /// JSON with its ranges and output scale (PhysFormer's export: PhysFormerWorkflowTests).
    static func expectQDQEqualsQuantizeStatic(_ graph: Graph, qdq: URL, meta url: URL) throws -> (theirs: Graph, outputScale: Float) {
        struct Meta: Decodable { let ranges: [String: [Float]]; let output_scale: Float }
        let meta = try JSONDecoder().decode(Meta.self, from: Data(contentsOf: url))
        var options = QuantizationOptions()
        options.quantizeLayoutOnlyInputs = false
        let mine = try QDQInsertion.apply(graph, ranges: meta.ranges.mapValues { TensorRange(min: $0[0], max: $0[1]) }, options: options)
        let theirs = try ONNXReader.read(qdq)
        func records(_ g: Graph) -> Set<[String]> { Set(g.nodes.map { [$0.name, $0.op.name] + $0.inputs + ["→"] + $0.outputs }) }
        let (a, b) = (records(mine), records(theirs))
        #expect(a == b, "extra \(a.subtracting(b).map { $0[0] }.sorted()), missing \(b.subtracting(a).map { $0[0] }.sorted())")
        #expect(Set(mine.initializers.keys) == Set(theirs.initializers.keys),
                "initializers \(Set(mine.initializers.keys).symmetricDifference(theirs.initializers.keys).sorted())")
        for (name, ref) in theirs.initializers {
            let t = try #require(mine.initializers[name], "\(name)")
            #expect(t.dtype == ref.dtype && t.shape == ref.shape && t.doubleValues() == ref.doubleValues(), "\(name) differs")
        }
        return (theirs, meta.output_scale)
    }
    static func worst(_ a: Tensor, _ b: Tensor) -> Float { zip(a.floatValues(), b.floatValues()).map { abs($0 - $1) }.max() ?? .infinity }

    @Test func pytorchExportRunsAsPyTorchAndORT() throws {
        let fx = try Self.tensors()
        let graph = try ONNXReader.read(try Self.fixture("layernorm.onnx"))
        #expect(graph.nodes.map(\.op) == [.layerNorm(axis: -1, epsilon: 1e-6)])
        let y = try FP32Executor(graph: graph, threads: 1).run(try #require(fx["input"]?.tensor))
        #expect(Self.worst(y, try #require(fx["output"]?.tensor)) < 1e-5)
        #expect(Self.worst(y, try #require(fx["ort"]?.tensor)) < 1e-5)
    }

    /// `LayerNorm` of the layer library: keys `weight`, `bias`; forward and the gradients of x,
    /// weight and bias of sum(y · r) as PyTorch's autograd.
    @Test func layerForwardAndBackwardMatchPyTorch() throws {
        let fx = try Self.tensors()
        let x = try #require(fx["input"]?.tensor)
        let b = GraphBuilder()
        let y = try LayerNorm(8, epsilon: 1e-6).trace(b.input("input", shape: x.shape), in: b)
        #expect(b.parameters.map(\.key) == ["weight", "bias"])
        let graph = try b.graph(output: y, weights: ["weight": try #require(fx["weight"]?.tensor), "bias": try #require(fx["bias"]?.tensor)])
        #expect(Self.worst(try FP32Executor(graph: graph, threads: 1).run(x), try #require(fx["output"]?.tensor)) < 1e-5)
        let model = try TrainableGraph(graph: graph, parameterNames: ["weight", "bias"], threads: 1)
        let out = try #require(try model.forward(["input": x], training: true)["output"])
        #expect(Self.worst(out, try #require(fx["output"]?.tensor)) < 1e-5)
        let grads = try model.backward(["output": try #require(fx["outputGradient"]?.tensor)], inputGradients: true)
        for (name, key) in [("input", "inputGradient"), ("weight", "weightGradient"), ("bias", "biasGradient")] {
            let want = try #require(fx[key]?.tensor), got = try #require(grads[name])
            let scale = want.floatValues().map(abs).max() ?? 1
            #expect(got.shape == want.shape && Self.worst(got, want) / scale < 1e-5, "\(key): \(Self.worst(got, want) / scale)")
        }
    }

    /// Our writer emits LayerNormalization from opset 17 (ONNX's first with it) and refuses older
    /// opsets with the fix in the message.
    @Test func writerNeedsOpset17() throws {
        let graph = try ONNXReader.read(try Self.fixture("layernorm.onnx"))
        let back = try ONNXReader.decode(try ONNXWriter.encode(graph, opset: 17), source: "layernorm_17.onnx")
        #expect(back.nodes.map(\.op) == graph.nodes.map(\.op))
        let x = try #require(try Self.tensors()["input"]?.tensor)
        #expect(try FP32Executor(graph: back, threads: 1).run(x).floatValues() == FP32Executor(graph: graph, threads: 1).run(x).floatValues())
        let error = #expect(throws: ONNXError.self) { try ONNXWriter.encode(graph, opset: 13) }
        #expect(error.map { "\($0)" }?.contains("--opset 17") == true)
    }

    @Test func qdqInsertionEqualsQuantizeStaticAndInt8MatchesORT() throws {
        let (theirs, outputScale) = try Self.expectQDQEqualsQuantizeStatic("layernorm")
        let fx = try Self.tensors()
        let y = try Int8Executor(graph: theirs, threads: 1).run(try #require(fx["input"]?.tensor))
        let lsb = Self.worst(y, try #require(fx["ortInt8"]?.tensor)) / outputScale
        print("LayerNorm int8 (float fallback) vs ORT: \(lsb) LSB")
        #expect(lsb <= 1.001)
    }
}
