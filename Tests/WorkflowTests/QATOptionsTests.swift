import Foundation
import NN
import ONNX
import Quantization
import TensorCore
import Testing
import Training
@testable import Workflow

/// `rppg qat` takes every quantizer option (`QuantizerOptions`, shared with `rppg quantize`):
/// the graph it trains must be, for any weights, the QDQ model that the quantizer writes for those
/// weights with the same options. Weights are moved away from the calibrated ones, so that
/// parameters derived from them (scales, and the zero points of asymmetric weights) must follow.
@Suite struct QATOptionsTests {
    static func variants() -> [(String, QuantizationOptions)] {
        func o(_ change: (inout QuantizationOptions) -> Void) -> QuantizationOptions {
            var q = QuantizationOptions(method: .minMax, threads: 1)
            change(&q)
            return q
        }
        return [
            ("defaults", o { _ in }),
            ("per-tensor asymmetric weights", o { $0.perChannel = false; $0.weightSymmetric = false }),
            ("symmetric activations", o { $0.symmetricActivations = true }),
            ("int16 input", o { $0.int16Activations = ["input"] }),
        ]
    }

    @Test func uint8ActivationsAreRefusedWithTheReason() throws {
        var o = QATOptions(checkpoint: URL(fileURLWithPath: "/nonexistent.pth"), data: URL(fileURLWithPath: "/nonexistent.pt"),
                           output: URL(fileURLWithPath: "/nonexistent-out"))
        o.quantization.activationType = .uint8
        #expect { try QATStep.run(o) { _ in } } throws: { "\($0)".contains("uint8") && "\($0)".contains("rppg quantize") }
    }

    @Test func trainingGraphIsTheQuantizersModelForEveryOption() throws {
        let dir = try PipelineEndToEndTests.temporaryDirectory("qatoptions")
        defer { try? FileManager.default.removeItem(at: dir) }
        let checkpoint = try #require(Bundle.module.url(forResource: "tinypulse_motion", withExtension: "pth",
                                                        subdirectory: "Fixtures/motion"))
        let onnx = dir.appendingPathComponent("fp32.onnx")
        _ = try ExportModel.run(ExportOptions(checkpoint: checkpoint, output: onnx, frames: 32))
        let fp32 = try ONNXReader.read(onnx)
        var rng = SeededGenerator(seed: 5)
        let clips = (0..<3).map { _ in
            Tensor(shape: [1, 3, 32, 36, 36], scalars: (0..<(3 * 32 * 36 * 36)).map { _ in Float.random(in: -2...2, using: &rng) })
        }
        for (name, options) in Self.variants() {
            let ranges = try Calibrator.ranges(fp32, clipCount: clips.count, clip: { clips[$0] }, options: options,
                                               runner: FP32Runner.factory(threads: 1))
            let qat = try QATModel(fp32: fp32, ranges: ranges, options: options)
            // Weights as training would leave them: scaled and shifted, so scales and zero points move.
            var weights: [String: Tensor] = [:]
            for p in qat.parameterNames {
                let w = fp32.initializers[p]!.floatValues()
                weights[p] = Tensor(shape: fp32.initializers[p]!.shape, scalars: w.enumerated().map { i, v in v * 1.3 + (i % 2 == 0 ? 0.01 : -0.004) })
            }
            let written = try qat.quantized(weights)
            let reference = try Int8Executor(graph: written, threads: 1)
            // As the trainer holds it: built once from the calibrated weights, then stepped and refreshed.
            let trained = try TrainableGraph(graph: qat.trainingGraph)
            for (p, w) in weights { try trained.setInitializer(p, w) }
            try qat.refreshWeightParameters(trained)
            let outputDQ = try #require(written.producer(of: written.outputs[0].name))
            let lsb = try #require(written.initializers[outputDQ.inputs[1]]?.floatValues().first)
            var worst: Float = 0, within = 0, total = 0
            for x in clips {
                let a = try reference.run(x).floatValues()
                let b = try #require(try trained.forward([written.inputs[0].name: x], training: false)[written.outputs[0].name]).floatValues()
                #expect(a.count == b.count)
                for (u, v) in zip(a, b) {
                    worst = max(worst, abs(u - v) / lsb)
                    if abs(u - v) <= 1.001 * lsb { within += 1 }
                    total += 1
                }
            }
            print("qat \(name): training graph vs the int8 engine on the written model: max \(worst) LSB, \(within)/\(total) within 1")
            // The weight parameters in the trained graph are the ones written, zero points included.
            for key in Set(qat.weightScaleNames.values).union(qat.weightZeroPointNames.values) {
                #expect(trained.initializer(key) == written.initializers[key], "\(name): \(key) is stale in the training graph")
            }
            if name == "defaults" {
                #expect(worst <= 1.001, "\(name): the trained graph is \(worst) LSB from the model rppg qat writes")
            } else {
                // More Q/DQ points (Relu kept with symmetric ranges) or a float-fallback Conv
                // (asymmetric weights) give a float sum more rounding edges to fall on the other
                // side of, and one flipped intermediate LSB grows by a conv: measured 2–3 LSB on a
                // few outputs of these random clips. A stale zero point would be off everywhere.
                #expect(worst <= 3.001 && within * 10 >= total * 8, "\(name): \(worst) LSB, \(within)/\(total) within 1")
            }
        }
    }
}
