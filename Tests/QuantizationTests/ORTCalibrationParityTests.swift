import Foundation
import Testing
import NN
import ONNX
import TensorCore
import Quantization

/// The whole quantizer (our FP32 executor + observers + insertion) against ORT's quantize_static
/// on the same FP32 model and clips.
@Suite struct ORTCalibrationParityTests {
    static let configs: [(String, String, QuantizationOptions, Double)] = [
        ("tinypulse", "minmax_pc_s8", QuantizationOptions(), 1e-6),
        ("tinypulse", "minmax_pt_s8", QuantizationOptions(perChannel: false), 1e-6),
        ("tinypulse", "minmax_pc_u8", QuantizationOptions(activationType: .uint8), 1e-6),
        ("tinypulse", "entropy_pc_s8", QuantizationOptions(method: .entropy), 1e-6),
        ("miniphysnet", "minmax_pc_s8", QuantizationOptions(), 1e-6),
        ("tinypulse", "percentile_pc_s8", QuantizationOptions(method: .percentile), 1e-3),
        ("miniphysnet", "percentile_pc_s8", QuantizationOptions(method: .percentile), 1e-3),
        ("tinypulse", "movavg_s8", ORTOptionFixtures.options { $0.movingAverage = true }, 1e-6),
        ("tinypulse", "symact_s8", ORTOptionFixtures.options { $0.symmetricActivations = true }, 1e-6),
        ("tinypulse", "exclude_block2", ORTOptionFixtures.options { $0.excludedNodes = ["/block2/block2.0/Conv"] }, 1e-6),
    ]

    @Test(arguments: 0..<configs.count)
    func sameScalesAndZeroPointsAsORT(_ index: Int) throws {
        let (model, config, options, tolerance) = Self.configs[index]
        let fixture = try ORTFixture(model + "_" + config)
        let fp32 = try ORTFixture.fp32Graph(model)
        let clips = try ORTFixture.clips(model)
        let runner = FP32Runner.factory(threads: 2)
        let ranges = try Calibrator.ranges(fp32, clipCount: clips.count, clip: { clips[$0] }, options: options, runner: runner)
        var worst = 0.0, worstName = ""
        for (name, ref) in fixture.ranges {
            let got = try #require(ranges[name], "\(name) not calibrated")
            for (a, b) in [(got.min, ref.min), (got.max, ref.max)] {
                let d = Double(abs(a - b)) / max(Double(abs(b)), 1e-6)
                if d > worst { worst = d; worstName = name }
            }
        }
        print("\(model) \(config): worst relative range difference \(worst) at \(worstName)")
        #expect(worst <= tolerance, "\(config): \(worstName) differs by \(worst)")
        let q = try QDQInsertion.apply(fp32, ranges: ranges, options: options)
        #expect(ORTFixture.records(q) == fixture.comparableNodes)
        // Scales within the range tolerance, zero points and int8 weights exact; an int32 bias may
        // move by one step when its input scale moved in the last float bit.
        for (name, ref) in fixture.initializers {
            let t = try #require(q.initializers[name], "\(name) missing")
            let got = t.doubleValues()
            for (a, b0) in zip(got, ref.data) {
                let b = t.dtype == .float32 ? Double(Float(b0)) : b0
                if t.dtype == .float32 {
                    #expect(abs(a - b) <= tolerance * 2 * abs(b), "\(config): \(name) \(a) vs \(b)")
                } else if t.dtype == .int32 {
                    #expect(abs(a - b) <= 1, "\(config): \(name) \(a) vs \(b)")
                } else {
                    #expect(a == b, "\(config): \(name) \(a) vs \(b)")
                }
            }
        }
    }
}
