import Foundation
import NN
import TensorCore
import Testing
import Workflow

/// `DeployCheck.analyse` on a hand-built QDQ graph shaped like ONNX Runtime's quantize_static
/// output: Q → DQ → Conv(DQ(int8 W, per-channel), DQ(int32 B)) → Q → DQ → output.
@Suite struct DeployCheckTests {
    struct Variant {
        var batch = 1
        var perChannel = true
        var batchNorm = false
        /// The input quantized to int16 (`rppg quantize --int16 input`).
        var int16Input = false
    }

    /// Input [batch,2,4,4]; Conv 3×3 pad 1 to 3 channels: output [batch,3,4,4].
    static func graph(_ v: Variant = Variant()) throws -> Graph {
        var inits: [String: Tensor] = [:]
        inits["input_scale"] = Tensor(scalar: Float(0.05))
        inits["input_zero_point"] = v.int16Input ? Tensor(scalar: Int16(0)) : Tensor(scalar: Int8(0))
        inits["W_quantized"] = Tensor(shape: [3, 2, 3, 3], scalars: (0..<54).map { Int8($0 % 11 - 5) })
        inits["W_scale"] = v.perChannel ? Tensor(shape: [3], scalars: [Float(0.01), 0.02, 0.03]) : Tensor(scalar: Float(0.02))
        inits["W_zero_point"] = v.perChannel ? Tensor(shape: [3], scalars: [Int8](repeating: 0, count: 3)) : Tensor(scalar: Int8(0))
        inits["B_quantized"] = Tensor(shape: [3], scalars: [Int32(10), -20, 30])
        inits["B_scale"] = Tensor(shape: [3], scalars: [Float(0.0005), 0.001, 0.0015])
        inits["B_zero_point"] = Tensor(shape: [3], scalars: [Int32](repeating: 0, count: 3))
        inits["conv_out_scale"] = Tensor(scalar: Float(0.1))
        inits["conv_out_zero_point"] = Tensor(scalar: Int8(0))
        var nodes = [
            Node(name: "input_QuantizeLinear", op: .quantizeLinear(axis: 1), inputs: ["input", "input_scale", "input_zero_point"], outputs: ["input_quantized"]),
            Node(name: "input_DequantizeLinear", op: .dequantizeLinear(axis: 1), inputs: ["input_quantized", "input_scale", "input_zero_point"], outputs: ["input_dequantized"]),
            Node(name: "W_DequantizeLinear", op: .dequantizeLinear(axis: 0), inputs: ["W_quantized", "W_scale", "W_zero_point"], outputs: ["W"]),
            Node(name: "B_DequantizeLinear", op: .dequantizeLinear(axis: 0), inputs: ["B_quantized", "B_scale", "B_zero_point"], outputs: ["B"]),
            Node(name: "conv", op: .conv(ConvAttributes(kernel: [3, 3], padsBegin: [1, 1])), inputs: ["input_dequantized", "W", "B"], outputs: ["conv_out"]),
        ]
        var last = "conv_out"
        if v.batchNorm {
            for (name, value) in [("bn.weight", 1.0), ("bn.bias", 0.0), ("bn.running_mean", 0.0), ("bn.running_var", 1.0)] {
                inits[name] = Tensor(shape: [3], scalars: [Float](repeating: Float(value), count: 3))
            }
            nodes.append(Node(name: "bn", op: .batchNorm(epsilon: 1e-5),
                              inputs: ["conv_out", "bn.weight", "bn.bias", "bn.running_mean", "bn.running_var"], outputs: ["bn_out"]))
            last = "bn_out"
        }
        nodes += [
            Node(name: "out_QuantizeLinear", op: .quantizeLinear(axis: 1), inputs: [last, "conv_out_scale", "conv_out_zero_point"], outputs: ["out_quantized"]),
            Node(name: "out_DequantizeLinear", op: .dequantizeLinear(axis: 1), inputs: ["out_quantized", "conv_out_scale", "conv_out_zero_point"], outputs: ["output"]),
        ]
        var g = Graph(name: "tiny_qdq", nodes: nodes, inputs: [ValueInfo(name: "input", shape: [v.batch, 2, 4, 4])],
                      outputs: [ValueInfo(name: "output", shape: [v.batch, 3, 4, 4])], initializers: inits)
        try ShapeInference.run(&g)
        return g
    }

    @Test func flashMACsAndArenaOfACleanGraph() throws {
        let report = DeployCheck.analyse(try Self.graph(), model: "tiny.onnx")
        // Initializer bytes by hand: input scale 4 + zp 1, W 54 (int8) + scale 12 + zp 3,
        // B 12 (int32) + scale 12 + zp 12, output scale 4 + zp 1.
        #expect(report.flashBytes == 115)
        // Conv: 3·4·4 outputs × (2 input channels · 3·3 kernel) = 48 × 18.
        #expect(report.macs == 864)
        let conv = try #require(report.operators.first { $0.op == "Conv" })
        #expect(conv.macs == 864)
        #expect(conv.outputShape == [1, 3, 4, 4])
        #expect(conv.weightBytes == 54 + 12)
        #expect(conv.placement == .npu)
        #expect(report.ramBytes > 0)
        #expect(report.ramBytes <= report.ramBytesWithoutReuse)
        // Packed buffers never overlap while both are alive.
        for a in report.buffers {
            for b in report.buffers where a.tensor < b.tensor {
                let liveTogether = a.firstUse <= b.lastUse && b.firstUse <= a.lastUse
                let overlap = a.offset < b.offset + b.bytes && b.offset < a.offset + a.bytes
                #expect(!(liveTogether && overlap), "\(a.tensor) and \(b.tensor) share memory while both live")
            }
            #expect(a.offset + a.bytes <= report.ramBytes)
        }
        #expect(report.inputShape == [1, 2, 4, 4])
        #expect(!report.deviations.contains { $0.severity == "error" })
        #expect(report.deployable)
    }

    @Test func unfoldedBatchNormIsAnError() throws {
        let report = DeployCheck.analyse(try Self.graph(Variant(batchNorm: true)), model: "bn.onnx")
        #expect(report.deviations.contains { $0.severity == "error" && $0.message.contains("BatchNormalization") })
        #expect(!report.deployable)
    }

    @Test func batchTwoIsAnError() throws {
        let report = DeployCheck.analyse(try Self.graph(Variant(batch: 2)), model: "b2.onnx")
        #expect(report.deviations.contains { $0.severity == "error" && $0.message.contains("batch 2") })
        #expect(!report.deployable)
        #expect(report.macs == 2 * 864)
    }

    @Test func perTensorWeightScaleIsAWarning() throws {
        let report = DeployCheck.analyse(try Self.graph(Variant(perChannel: false)), model: "pt.onnx")
        #expect(report.deviations.contains { $0.severity == "warning" && $0.message.contains("per-tensor") })
        #expect(report.deployable)
        // One float scale instead of three: 8 bytes less flash, 2 fewer zero points.
        #expect(report.flashBytes == 115 - 8 - 2)
    }

    @Test func int16ActivationIsFlaggedAndItsReaderLeavesTheNPU() throws {
        let report = DeployCheck.analyse(try Self.graph(Variant(int16Input: true)), model: "i16.onnx")
        #expect(report.deviations.contains { $0.severity == "warning" && $0.message.contains("16-bit activation") && $0.message.contains("input_QuantizeLinear") })
        let conv = try #require(report.operators.first { $0.op == "Conv" })
        #expect(conv.placement == .cpu)
        // Flagged once, at its QuantizeLinear, not again as a float input.
        #expect(!report.deviations.contains { $0.message.contains("runs in float") })
    }

    @Test func unknownTargetIsAUserFacingError() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("nope-\(UUID().uuidString).onnx")
        #expect(throws: (any Error).self) { try DeployCheck.run(model: url, target: "esp32") }
        do {
            _ = try DeployCheck.run(model: url, target: "esp32")
        } catch {
            #expect(error is UserFacingError)
            #expect("\(error)".contains("stm32n6"))
        }
    }
}
