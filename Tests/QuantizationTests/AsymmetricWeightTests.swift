import Foundation
import NN
import Testing
import TensorCore
@testable import Quantization

/// `weightSymmetric = false` (ORT's WeightSymmetric=False) with per-tensor weights gives the
/// weights non-zero zero points. The int8 engine runs those Convs through its float fallback
/// (its integer kernels assume symmetric weights) and must still agree with ONNX Runtime's own
/// run of the same QDQ model, tensor by tensor, as `Int8ORTParityTests` asks of the integer path.
@Suite("Asymmetric int8 weights")
struct AsymmetricWeightTests {
    struct Quantized: Decodable { let name: String; let shape: [Int] }
    struct ORTRun: Decodable { let ort_outputs: [[Float]]; let ort_quantized: [Quantized] }

    @Test func int8EngineMatchesORTOnAsymmetricWeights() throws {
        let fixture = try ORTFixture("tinypulse_weightasym_pt")
        var options = QuantizationOptions(perChannel: false)
        options.weightSymmetric = false
        let q = try QDQInsertion.apply(try ORTFixture.fp32Graph("tinypulse"), ranges: fixture.ranges, options: options)
        let zeroPoints = q.initializers.filter { $0.key.hasSuffix("weight_zero_point") }.values
        #expect(zeroPoints.contains { $0.doubleValues().contains { $0 != 0 } }, "no weight has a non-zero zero point")

        let engine = try Int8Executor(graph: q, threads: 1)
        #expect(engine.planDescription.contains("float fallback"), "\(engine.planDescription)")
        // ORT's run of its own model on the first clips (Tools/make_quant_option_fixtures.py, RUN_IN_ORT).
        let dir = ORTFixture.directory
        let ort = try JSONDecoder().decode(ORTRun.self, from: Data(contentsOf: dir.appendingPathComponent("tinypulse_weightasym_pt.json")))
        let ortQ = try Data(contentsOf: dir.appendingPathComponent("tinypulse_weightasym_pt_ort_q.bin"))
        let perClip = ort.ort_quantized.reduce(0) { $0 + $1.shape.reduce(1, *) }
        #expect(ortQ.count == perClip * ort.ort_outputs.count)

        // The scale of the DequantizeLinear that produces the graph output: one output LSB.
        let outName = try #require(q.outputs.first?.name)
        let lastDQ = try #require(q.nodes.first { (n: Node) -> Bool in n.op.name == "DequantizeLinear" && n.outputs[0] == outName })
        let scale = try #require(q.initializers[lastDQ.inputs[1]]?.floatValues().first)
        let clips = try ORTFixture.clips("tinypulse")
        #expect(ort.ort_outputs.count >= 2 && ort.ort_outputs.count <= clips.count)

        var total = 0, withinOne = 0, outputMaxLSB: Float = 0, missing: [String] = []
        for (c, expected) in ort.ort_outputs.enumerated() {
            let mine = try engine.run(clips[c]).floatValues()
            #expect(mine.count == expected.count)
            for (a, b) in zip(mine, expected) { outputMaxLSB = max(outputMaxLSB, abs(a - b) / scale) }
            var offset = c * perClip
            for t in ort.ort_quantized {
                let n = t.shape.reduce(1, *)
                defer { offset += n }
                guard let value = engine.quantizedValue(t.name) else { missing.append(t.name); continue }
                #expect(value.values.shape.reduce(1, *) == n, "\(t.name)")
                let theirs = ortQ.withUnsafeBytes { Array($0.bindMemory(to: Int8.self)[offset..<(offset + n)]) }
                for (a, b) in zip(value.values.scalars(as: Int8.self), theirs) {
                    total += 1
                    if abs(Int(a) - Int(b)) <= 1 { withinOne += 1 }
                }
            }
        }
        print("asymmetric weights: \(withinOne)/\(total) int8 elements within 1 LSB of ORT; final output max \(outputMaxLSB) LSB")
        #expect(missing.isEmpty, "values not in the int8 plan: \(missing)")
        #expect(total > 0)
        #expect(Double(withinOne) >= 0.999 * Double(total), "\(withinOne)/\(total) within 1 LSB")
        // Same bound and reason as Int8ORTParityTests: 1-LSB tie differences in average pooling
        // propagate through the later convs to the handful of output elements.
        #expect(outputMaxLSB <= 3.01, "final output \(outputMaxLSB) LSB from ORT")
    }
}
