import Foundation
import NN
import ONNX
import Testing
import TensorCore
@testable import Quantization

/// 16-bit activations for chosen tensors (`rppg quantize --int16`, ORT's `TensorQuantOverrides`
/// `quant_type: QInt16`): the QDQ graph equals ORT's (ORTParityTests, `int16_act`), needs opset
/// 21 as ORT's does, survives the ONNX round trip, and the int8 engine (which runs 16-bit tensors
/// in its float fallback) agrees with ONNX Runtime's run of the same model.
@Suite("16-bit activations")
struct Int16ActivationTests {
    static let tensors: Set<String> = ["input", "/stem/stem.2/Relu_output_0"]
    struct ORTRun: Decodable { let ort_outputs: [[Float]]; let opset: Int }

    static func graph() throws -> Graph {
        var options = QuantizationOptions()
        options.int16Activations = tensors
        return try QDQInsertion.apply(try ORTFixture.fp32Graph("tinypulse"), ranges: try ORTFixture("tinypulse_int16_act").ranges,
                                      options: options)
    }

    @Test func opset21AndTheONNXRoundTripKeepInt16() throws {
        let q = try Self.graph()
        let ort = try JSONDecoder().decode(ORTRun.self, from: Data(contentsOf: ORTFixture.directory.appendingPathComponent("tinypulse_int16_act.json")))
        #expect(QDQInsertion.requiredOpset(q) == ort.opset && ort.opset == 21)
        #expect(QDQInsertion.requiredOpset(try QDQInsertion.apply(try ORTFixture.fp32Graph("tinypulse"),
                                                                  ranges: try ORTFixture("tinypulse_int16_act").ranges,
                                                                  options: QuantizationOptions())) == 13)
        let sixteen = q.initializers.filter { $0.key.hasSuffix("_zero_point") && $0.value.dtype == .int16 }
        #expect(Set(sixteen.keys) == Set(Self.tensors.map { $0 + "_zero_point" }))
        let back = try ONNXReader.decode(try ONNXWriter.encode(q, opset: 21), source: "int16 round trip")
        for (name, zp) in sixteen {
            #expect(back.initializers[name]?.dtype == .int16 && back.initializers[name]?.doubleValues() == zp.doubleValues())
        }
        // A tensor that is not a calibrated activation is refused by name.
        var bad = QuantizationOptions()
        bad.int16Activations = ["nope"]
        #expect {
            _ = try QDQInsertion.apply(try ORTFixture.fp32Graph("tinypulse"), ranges: try ORTFixture("tinypulse_int16_act").ranges, options: bad)
        } throws: { "\($0)".contains("'nope'") }
    }

    @Test func int8EngineMatchesORTWithInt16Tensors() throws {
        let q = try Self.graph()
        let engine = try Int8Executor(graph: q, threads: 1)
        #expect(engine.planDescription.contains("int16 rounding in float"), "\(engine.planDescription)")
        let ort = try JSONDecoder().decode(ORTRun.self, from: Data(contentsOf: ORTFixture.directory.appendingPathComponent("tinypulse_int16_act.json")))
        let outName = try #require(q.outputs.first?.name)
        let lastDQ = try #require(q.nodes.first { (n: Node) -> Bool in n.op.name == "DequantizeLinear" && n.outputs[0] == outName })
        let scale = try #require(q.initializers[lastDQ.inputs[1]]?.floatValues().first)
        let clips = try ORTFixture.clips("tinypulse")
        #expect(ort.ort_outputs.count == 2)
        var maxLSB: Float = 0, exact = 0, total = 0
        for (c, expected) in ort.ort_outputs.enumerated() {
            let mine = try engine.run(clips[c]).floatValues()
            #expect(mine.count == expected.count)
            for (a, b) in zip(mine, expected) {
                maxLSB = max(maxLSB, abs(a - b) / scale)
                total += 1
                if a == b { exact += 1 }
            }
        }
        print("int16 activations: final output \(exact)/\(total) equal to ORT, max \(maxLSB) LSB")
        // The bound of Int8ORTParityTests and AsymmetricWeightTests (average-pool ties propagating).
        #expect(maxLSB <= 3.01, "final output \(maxLSB) LSB from ORT")
        // The fake-quant executor (the quantizer's own float simulation) sees the same grid.
        let fake = try FakeQuantExecutor(graph: q, runner: FP32Runner.factory(threads: 1))
        let simulated = try fake.run(clips[0]).floatValues()
        let fakeLSB = zip(simulated, ort.ort_outputs[0]).map { abs($0 - $1) / scale }.max() ?? .infinity
        #expect(fakeLSB <= 3.01, "fake-quant \(fakeLSB) LSB from ORT")
    }
}
