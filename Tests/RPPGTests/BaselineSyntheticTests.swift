import Foundation
import RPPG
import Testing

/// POS, CHROM and GREEN on a dataset from the synthetic generator, evaluated as rPPG-Toolbox
/// evaluates the unsupervised methods (whole video, FFT, 0.75–2.5 Hz).
@Suite struct BaselineSyntheticTests {
    static let subjects = 24
    static let seconds = 20.0
    static let seed: UInt64 = 1

    /// MAE (BPM) of each method over the synthetic subjects, and the per-subject errors.
    static func measure() throws -> [UnsupervisedMethod: (mae: Double, errors: [Double])] {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rppg-baseline-synth-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try SyntheticDataset.write(to: folder, options: .init(subjects: subjects, seconds: seconds, seed: seed))
        let detector = FileManager.default.fileExists(atPath: HaarCascade.defaultPath) ? HaarDetector(cascade: try HaarCascade.load()) : nil
        var predicted: [UnsupervisedMethod: [Double]] = [:]
        var truth: [Double] = []
        for subject in try UBFCDataset.subjects(in: folder) {
            let trace = try FaceColourTrace.extract(try AVIReader(url: subject.video), detector: detector)
            let label = GroundTruth.resample(try subject.loadGroundTruth().ppg, to: trace.rgb.count)
            var labelHR = Double.nan
            for method in UnsupervisedMethod.allCases {
                let pulse = try method.pulse(rgb: trace.rgb, fps: trace.fps)
                let r = try HeartRateEvaluation.window(prediction: pulse, label: label, fps: trace.fps, diffNormalized: false)
                predicted[method, default: []].append(r.predicted)
                labelHR = r.truth
            }
            truth.append(labelHR)
        }
        var out: [UnsupervisedMethod: (Double, [Double])] = [:]
        for (method, p) in predicted {
            let metrics = HRMetrics.compute(predicted: p, truth: truth)
            out[method] = (metrics.mae, zip(p, truth).map { $0 - $1 })
        }
        return out
    }

    @Test func posRecoversHeartRateAndGreenDoesNot() throws {
        let results = try Self.measure()
        let pos = try #require(results[.pos]), chrom = try #require(results[.chrom]), green = try #require(results[.green])
        print("synthetic (\(Self.subjects) subjects × \(Self.seconds) s, seed \(Self.seed)) MAE: POS \(pos.mae), CHROM \(chrom.mae), GREEN \(green.mae); POS errors \(pos.errors)")
        #expect(pos.mae < 5, "POS MAE \(pos.mae) BPM; per-subject errors \(pos.errors)")
        // The data must not be trivially easy: the plain green channel does clearly worse.
        #expect(green.mae > pos.mae + 5, "GREEN MAE \(green.mae) vs POS \(pos.mae)")
    }
}
