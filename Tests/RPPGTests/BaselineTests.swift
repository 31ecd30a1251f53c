import Foundation
import RPPG
import Testing

@Suite struct BaselineTests {
    func trace() throws -> (fs: Double, rgb: [SIMD3<Double>], fixture: [String: Any]) {
        let f = try SignalFixtures.load("baselines.json")
        let rgb = try f.matrix("rgb").map { SIMD3($0[0], $0[1], $0[2]) }
        return (try f.double("fs"), rgb, f)
    }

    @Test func posChromGreenMatchToolbox() throws {
        let (fs, rgb, f) = try trace()
        for method in UnsupervisedMethod.allCases {
            let pulse = try method.pulse(rgb: rgb, fps: fs)
            let expected = try f.doubles(method.rawValue)
            #expect(pulse.count == expected.count, "\(method)")
            #expect(maxRelativeError(pulse, expected) < 1e-6, "\(method)")
        }
        let pos29 = try POS.pulse(rgb: Array(rgb[0..<200]), fps: 29.5)
        #expect(maxRelativeError(pos29, try f.doubles("pos_fs29")) < 1e-6)
    }

    @Test func baselineHeartRatesMatchToolboxEvaluation() throws {
        let (fs, rgb, f) = try trace()
        let hr = try f.double("hr")
        let label = (0..<rgb.count).map { i -> Double in
            let phase = 2 * Double.pi * hr / 60 * Double(i) / fs
            return sin(phase) + 0.35 * sin(2 * phase + 0.8)
        }
        for method in UnsupervisedMethod.allCases {
            let pulse = try method.pulse(rgb: rgb, fps: fs)
            let r = try HeartRateEvaluation.window(prediction: pulse, label: label, fps: fs, diffNormalized: false)
            let e = try f.doubles("\(method.rawValue)_hr")
            #expect(abs(r.predicted - e[0]) < 1e-9 && abs(r.truth - e[1]) < 1e-9, "\(method)")
            #expect(abs(r.snr - e[2]) < 1e-6 * max(1, abs(e[2])), "\(method) SNR")
        }
        // POS recovers the 78 BPM of the trace within one FFT bin (30/512 Hz ≈ 3.5 BPM).
        let pos = try HeartRateEvaluation.window(prediction: try POS.pulse(rgb: rgb, fps: fs), label: label, fps: fs, diffNormalized: false)
        #expect(abs(pos.predicted - hr) < 3.6)
    }

    @Test func chromRejectsTooShortTrace() {
        let rgb = [SIMD3<Double>](repeating: SIMD3(100, 100, 100), count: 20)
        #expect(throws: SignalError.self) { try CHROM.pulse(rgb: rgb, fps: 30) }
    }
}
