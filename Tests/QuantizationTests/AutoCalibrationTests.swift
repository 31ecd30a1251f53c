import Foundation
import Testing
import NN
import TensorCore
import Quantization

/// `--method auto` on the fixture TinyPulse with heavy-tailed clips (unit-variance noise with
/// rare ×12 outliers, as DiffNormalized motion edges): it picks per tensor by held-back SQNR and
/// never does worse on the held-back clips than any single method.
@Suite struct AutoCalibrationTests {
    static func heavyTailedClips(_ n: Int) -> [Tensor] {
        var state: UInt64 = 42
        func uniform() -> Float {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(state >> 40) / Float(1 << 24)
        }
        return (0..<n).map { _ in
            Tensor(shape: [1, 3, 16, 36, 36], scalars: (0..<(3 * 16 * 36 * 36)).map { _ in
                // Box–Muller normal, and one value in 500 twelve times larger.
                let g = (-2 * log(max(uniform(), 1e-7))).squareRoot() * cos(2 * .pi * uniform())
                return uniform() < 0.002 ? 12 * g : g
            })
        }
    }

    @Test func autoBeatsEveryUniformMethodOnHeldBackClips() throws {
        let fp32 = try ORTFixture.fp32Graph("tinypulse")
        let clips = Self.heavyTailedClips(12)
        let options = QuantizationOptions(method: .auto, threads: 2)
        let result = try QDQQuantizer.quantize(fp32, calibration: clips, options: options,
                                               runner: FP32Runner.factory(threads: 1), reportClipLimit: 4)
        let auto = try #require(result.auto)
        #expect(auto.heldBackSeparate && auto.heldBackClips == 2 && auto.fitClips == 10)
        let best = auto.configurations.map(\.outputSQNRdB).max()!
        let chosen = try #require(auto.configurations.first { $0.name == auto.chosen })
        #expect(chosen.outputSQNRdB == best)
        let minmax = try #require(auto.configurations.first { $0.name == "all minmax" })
        #expect(chosen.outputSQNRdB >= minmax.outputSQNRdB)
        #expect(auto.configurations.count == AutoCalibration.candidates.count + 1)
        // Every range used is one of that tensor's candidates, and the report names its method.
        for t in auto.tensors {
            let range = try #require(result.ranges[t.tensor])
            let method = try #require(auto.method(of: t.tensor))
            let candidate = try #require(t.candidates.first { $0.method == method })
            #expect(candidate.min == range.min && candidate.max == range.max, "\(t.tensor)")
        }
        // The heavy-tailed input is where clipping pays: MinMax is not its best local choice.
        let input = try #require(auto.tensors.first { $0.tensor == "input" })
        #expect(input.chosen != "minmax")
        let localMinMax = input.candidates.first { $0.method == "minmax" }!.localSQNRdB
        #expect(input.candidates.first { $0.method == input.chosen }!.localSQNRdB > localMinMax)
        #expect(result.layerReport.layers.allSatisfy { $0.method != nil })
        #expect(result.graph.metadata["quantization"]?.contains("auto") == true)
    }

    @Test func fewClipsAreJudgedOnTheFittingClipsAndSaySo() throws {
        let fp32 = try ORTFixture.fp32Graph("tinypulse")
        let result = try QDQQuantizer.quantize(fp32, calibration: Self.heavyTailedClips(3),
                                               options: QuantizationOptions(method: .auto, threads: 1),
                                               runner: FP32Runner.factory(threads: 1), reportClipLimit: 1)
        let auto = try #require(result.auto)
        #expect(!auto.heldBackSeparate && auto.fitClips == 3 && auto.heldBackClips == 3)
        #expect(auto.text.contains("too few to hold any back"))
    }
}
