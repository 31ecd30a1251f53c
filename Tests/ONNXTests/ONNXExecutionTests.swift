import Foundation
import NN
import ONNX
import TensorCore
import Testing
import TorchIO

/// max |a - b| / max |b|: the relative error the evidence scripts report too.
func relativeError(_ a: Tensor, _ b: Tensor) -> Float {
    let x = a.floatValues(), y = b.floatValues()
    precondition(x.count == y.count)
    var err: Float = 0, scale: Float = 0
    for i in x.indices {
        err = max(err, abs(x[i] - y[i]))
        scale = max(scale, abs(y[i]))
    }
    return scale > 0 ? err / scale : err
}

/// Models written by torch.onnx.export run in Swift with ONNX Runtime's outputs.
@Suite struct ONNXExecutionTests {
    static let cases: [(model: String, io: String)] = [
        ("mini_physnet_opset13.onnx", "mini_physnet_io.pt"), ("mini_physnet_opset17.onnx", "mini_physnet_io.pt"),
        ("zoo_tinypulse_opset13.onnx", "zoo_tinypulse_io.pt"), ("zoo_tinypulse_opset17.onnx", "zoo_tinypulse_io.pt"),
        ("zoo_factorizephys_opset13.onnx", "zoo_factorizephys_io.pt"), ("zoo_factorizephys_opset17.onnx", "zoo_factorizephys_io.pt"),
        ("zoo_tinypulse2d_opset13.onnx", "zoo_tinypulse2d_io.pt"), ("zoo_tinypulse2d_opset17.onnx", "zoo_tinypulse2d_io.pt"),
    ]

    @Test(arguments: cases)
    func torchExportRunsWithOnnxRuntimeOutputs(model: String, io: String) throws {
        let graph = try ONNXReader.read(try ONNXFixtures.url(model))
        let ref = try TorchFile.load(try ONNXFixtures.url(io))
        let x = try #require(ref["input"]?.tensor)
        let opset = model.contains("opset13") ? 13 : 17
        let expected = try #require(ref["output_ort_opset\(opset)"]?.tensor)
        let y = try FP32Executor(graph: graph, threads: 2).run(x)
        #expect(y.shape == expected.shape)
        #expect(relativeError(y, expected) <= 1e-4)
    }

    /// Export → import → run equals the source graph's own output, bit for bit.
    @Test(arguments: [13, 17, 21])
    func exportImportRunEqualsTheSourceGraph(opset: Int) throws {
        let source = try ONNXReader.read(try ONNXFixtures.url("zoo_factorizephys_opset13.onnx"))
        let x = try #require(TorchFile.load(try ONNXFixtures.url("zoo_factorizephys_io.pt"))["input"]?.tensor)
        let back = try ONNXReader.decode(try ONNXWriter.encode(source, opset: opset), source: "roundtrip.onnx")
        let a = try FP32Executor(graph: source, threads: 2).run(x)
        let b = try FP32Executor(graph: back, threads: 2).run(x)
        #expect(a == b)
    }

    @Test func fusedGraphExportsAndRunsTheSame() throws {
        let source = try ONNXReader.read(try ONNXFixtures.url("mini_physnet_opset17.onnx"))
        let optimized = GraphPasses.optimizeForInference(source)
        #expect(optimized.nodes.contains { $0.fusedActivation != nil })
        let back = try ONNXReader.decode(try ONNXWriter.encode(optimized), source: "fused.onnx")
        #expect(back.nodes.allSatisfy { $0.fusedActivation == nil })
        let ref = try TorchFile.load(try ONNXFixtures.url("mini_physnet_io.pt"))
        let x = try #require(ref["input"]?.tensor)
        let y = try FP32Executor(graph: back, threads: 2).run(x)
        #expect(relativeError(y, try #require(ref["output_ort_opset17"]?.tensor)) <= 1e-4)
    }
}
