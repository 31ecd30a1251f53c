import Foundation
import Testing
import NN
import ONNX
import TensorCore
import Quantization

/// QDQ insertion fed ORT's own calibrated ranges must reproduce ORT's QDQ model exactly:
/// same nodes, same scales and zero points (bit for bit), same int8 weights and int32 biases.
@Suite struct ORTParityTests {
    static let configs: [(String, String, QuantizationOptions)] = [
        ("tinypulse", "minmax_pc_s8", QuantizationOptions()),
        ("tinypulse", "minmax_pt_s8", QuantizationOptions(perChannel: false)),
        ("tinypulse", "minmax_pc_u8", QuantizationOptions(activationType: .uint8)),
        ("tinypulse", "percentile_pc_s8", QuantizationOptions(method: .percentile)),
        ("tinypulse", "entropy_pc_s8", QuantizationOptions(method: .entropy)),
        ("miniphysnet", "minmax_pc_s8", QuantizationOptions()),
        ("miniphysnet", "percentile_pc_s8", QuantizationOptions(method: .percentile)),
        // ORT's options (Tools/make_quant_option_fixtures.py).
        ("tinypulse", "exclude_block2", ORTOptionFixtures.options { $0.excludedNodes = ["/block2/block2.0/Conv"] }),
        ("tinypulse", "exclude_head", ORTOptionFixtures.options { $0.excludedNodes = ["/head/Conv"] }),
        ("tinypulse", "symact_s8", ORTOptionFixtures.options { $0.symmetricActivations = true }),
        ("tinypulse", "symact_u8", ORTOptionFixtures.options { $0.symmetricActivations = true; $0.activationType = .uint8 }),
        ("tinypulse", "overrides", ORTOptionFixtures.options { $0.overrides = ORTOptionFixtures.overrides }),
        ("tinypulse", "weightasym_pt", ORTOptionFixtures.options { $0.weightSymmetric = false; $0.perChannel = false }),
        // Per-channel weights stay symmetric with WeightSymmetric=False (ORT's rule).
        ("tinypulse", "weightasym_pc", ORTOptionFixtures.options { $0.weightSymmetric = false }),
        // 16-bit activations for chosen tensors (ORT's QInt16 override).
        ("tinypulse", "int16_act", ORTOptionFixtures.options { $0.int16Activations = Int16ActivationTests.tensors }),
        // TinyPulse2D: ORT's default leaves the input's Transpose/Reshape in float; ours quantizes an
        // input only layout ops read, which is ORT with ForceQuantizeNoInputCheck.
        ("tinypulse2d", "minmax_pc_s8", ORTOptionFixtures.options { $0.quantizeLayoutOnlyInputs = false }),
        ("tinypulse2d", "minmax_pc_s8_force", QuantizationOptions()),
    ]

    @Test(arguments: 0..<configs.count)
    func insertionWithORTRangesEqualsORT(_ index: Int) throws {
        let (model, config, options) = Self.configs[index]
        let fixture = try ORTFixture(model + "_" + config)
        let fp32 = try ORTFixture.fp32Graph(model)
        let q = try QDQInsertion.apply(fp32, ranges: fixture.ranges, options: options)
        let mine = ORTFixture.records(q)
        let theirs = fixture.comparableNodes
        #expect(mine.subtracting(theirs).isEmpty, "\(config): extra \(mine.subtracting(theirs))")
        #expect(theirs.subtracting(mine).isEmpty, "\(config): missing \(theirs.subtracting(mine))")
        Self.expectInitializersEqual(q, fixture, tolerance: 0, label: "\(model) \(config)")
    }

    /// Every initializer ORT wrote (except Constant-folded shapes) exists with the same dtype,
    /// shape and values; floats within `tolerance` relative.
    static func expectInitializersEqual(_ q: Graph, _ fixture: ORTFixture, tolerance: Double, label: String) {
        for (name, ref) in fixture.initializers {
            guard let t = q.initializers[name] else {
                Issue.record("\(label): initializer \(name) missing")
                continue
            }
            #expect(t.dtype.rawValue == ref.dtype, "\(label): \(name) dtype")
            #expect(t.shape == ref.shape, "\(label): \(name) shape \(t.shape) vs \(ref.shape)")
            let got = t.doubleValues()
            guard got.count == ref.data.count else { continue }
            var worst = 0.0, mismatches = 0
            for (a, b0) in zip(got, ref.data) {
                // JSON carries float32 values as decimals; compare at float32 precision.
                let b = t.dtype == .float32 ? Double(Float(b0)) : b0
                let rel = abs(a - b) / max(abs(b), 1e-30)
                if t.dtype.isFloatingPoint { worst = max(worst, a == b ? 0 : rel) } else if a != b { mismatches += 1 }
            }
            #expect(worst <= tolerance, "\(label): \(name) relative difference \(worst)")
            #expect(mismatches == 0, "\(label): \(name) differs in \(mismatches) of \(got.count) values")
        }
        let extra = Set(q.initializers.keys).subtracting(fixture.initializers.keys)
        #expect(extra.isEmpty, "\(label): extra initializers \(extra)")
    }
}
