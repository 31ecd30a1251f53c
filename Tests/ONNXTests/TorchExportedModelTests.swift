import Foundation
import NN
import ONNX
import TensorCore
import Testing
import TorchIO

/// Files written by torch.onnx.export (legacy exporter) and ONNX Runtime's quantize_static;
/// made by Tools/make_onnx_fixtures.py.
enum ONNXFixtures {
    static func url(_ name: String) throws -> URL {
        let dir = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        return dir.appendingPathComponent(name)
    }
}

@Suite struct TorchExportedModelTests {
    @Test(arguments: ["mini_physnet_opset13.onnx", "mini_physnet_opset17.onnx"])
    func torchExportLoadsWithItsConstantsFolded(file: String) throws {
        let g = try ONNXReader.read(try ONNXFixtures.url(file))
        #expect(g.inputs == [ValueInfo(name: "input", shape: [1, 3, 8, 16, 16])])
        #expect(g.outputs == [ValueInfo(name: "output", shape: [1, 8])])
        #expect(g.nodes.map(\.op.name) == ["Conv", "Relu", "MaxPool", "Conv", "Relu", "MaxPool", "ConvTranspose",
                                           "BatchNormalization", "Elu", "AveragePool", "Conv", "Reshape"])
        #expect(g.nodes.last!.op == .reshape(shape: [-1, 8]))
        #expect(g.nodes[6].op == .convTranspose(ConvTransposeAttributes(conv: ConvAttributes(
            kernel: [4, 1, 1], stride: [2, 1, 1], padsBegin: [1, 0, 0], padsEnd: [1, 0, 0]))))
        #expect(g.nodes[9].op == .avgPool(PoolAttributes(kernel: [1, 4, 4], stride: [1, 4, 4])))
        // torch folds the Conv3d+BN pairs and keeps ConvTranspose's BN: 12 initializers, no Constant left.
        #expect(g.initializers.count == 12)
        #expect(g.initializers["upsample.0.weight"]?.shape == [8, 8, 4, 1, 1])
        #expect(g.parameterCount == 4 * 3 * 25 + 4 + 8 * 4 * 27 + 8 + 8 * 8 * 4 + 8 + 4 * 8 + 8 + 1)
    }

    @Test func torchExportSurvivesOurWriter() throws {
        let g = try ONNXReader.read(try ONNXFixtures.url("mini_physnet_opset17.onnx"))
        let again = try ONNXReader.decode(try ONNXWriter.encode(g, opset: 17), source: "rewritten.onnx")
        expectSameGraph(g, again)
    }

    @Test func quantizeStaticQDQModelLoads() throws {
        let g = try ONNXReader.read(try ONNXFixtures.url("mini_qdq.onnx"))
        let hist = g.opHistogram
        #expect(hist["QuantizeLinear"] == 10 && hist["DequantizeLinear"] == 20 && hist["Conv"] == 3 && hist["Constant"] == nil)
        let inputQ = try #require(g.nodes.first { $0.name == "input_QuantizeLinear" })
        #expect(inputQ.inputs == ["input", "input_scale", "input_zero_point"])
        // Zero points come in int32_data, scales in float_data, weights in raw_data.
        let zp = try #require(g.initializers["input_zero_point"])
        #expect(zp.dtype == .int8 && zp.shape == [])
        #expect(g.initializers["input_scale"]?.dtype == .float32)
        let w = try #require(g.initializers["onnx::Conv_40_quantized"])
        #expect(w.dtype == .int8 && w.shape == [4, 3, 1, 5, 5])
        #expect(w.scalars(as: Int8.self).map { abs(Int($0)) }.max() == 127)  // symmetric per channel
        let wdq = try #require(g.nodes.first { $0.name == "onnx::Conv_40_DequantizeLinear" })
        #expect(wdq.op == .dequantizeLinear(axis: 0))
        #expect(g.initializers["onnx::Conv_41_quantized"]?.dtype == .int32)
        #expect(g.nodes.contains { $0.op == .reshape(shape: [-1, 8]) })
    }

    @Test func referenceOutputsAreReadable() throws {
        let io = try TorchFile.load(try ONNXFixtures.url("mini_physnet_io.pt"))
        let x = try #require(io["input"]?.tensor)
        let y = try #require(io["output_ort_opset13"]?.tensor)
        #expect(x.shape == [1, 3, 8, 16, 16] && y.shape == [1, 8])
    }
}

@Suite struct TorchExportedZooTests {
    @Test(arguments: [13, 17])
    func tinyPulseExportLoads(opset: Int) throws {
        let g = try ONNXReader.read(try ONNXFixtures.url("zoo_tinypulse_opset\(opset).onnx"))
        #expect(g.inputs == [ValueInfo(name: "input", shape: [1, 3, 8, 36, 36])])
        #expect(g.outputs == [ValueInfo(name: "output", shape: [1, 8])])
        #expect(g.opHistogram == ["Conv": 4, "Relu": 3, "AveragePool": 2, "ReduceMean": 1, "Reshape": 1])
        #expect(g.nodes.contains { $0.op == .reduceMean(axes: [3, 4], keepDims: true) })
        #expect(g.parameterCount == 17969)
        expectSameGraph(g, try ONNXReader.decode(try ONNXWriter.encode(g, opset: opset), source: "tinypulse.onnx"))
    }

    @Test(arguments: [13, 17])
    func factorizePhysExportLoadsWithItsSlicesFolded(opset: Int) throws {
        let g = try ONNXReader.read(try ONNXFixtures.url("zoo_factorizephys_opset\(opset).onnx"))
        #expect(g.inputs == [ValueInfo(name: "input", shape: [1, 3, 8, 72, 72])])
        #expect(g.opHistogram == ["Slice": 3, "Concat": 1, "Sub": 1, "InstanceNormalization": 12, "Conv": 12, "Tanh": 11, "Reshape": 1])
        let slices = g.nodes.filter { $0.op.name == "Slice" }
        #expect(slices.allSatisfy { $0.inputs.count == 1 })
        // The last-frame copy: x[:, :, -1:] as ONNX Slice(starts -1, ends INT64_MAX, axis 2).
        #expect(slices[0].op == .slice(starts: [-1], ends: [Int(Int64.max)], axes: [2], steps: [1]))
        // Constant scale/bias operands of InstanceNormalization became initializers.
        let norm = try #require(g.nodes.first { $0.op.name == "InstanceNormalization" })
        #expect(norm.inputs.count == 3 && norm.inputs.dropFirst().allSatisfy { g.initializers[$0] != nil })
        expectSameGraph(g, try ONNXReader.decode(try ONNXWriter.encode(g, opset: opset), source: "factorizephys.onnx"))
    }
}
