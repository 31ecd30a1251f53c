import Foundation
import RPPG
import Testing
@testable import Workflow

/// `rppg baseline` scores against the ground truth's HR line (the sensor), as verify does: the
/// label's own FFT peak shares the prediction's spectral grid and printed MAE 0.00 on short videos.
@Suite struct BaselineTruthTests {
    @Test(.enabled(if: FileManager.default.fileExists(atPath: HaarCascade.defaultPath)))
    func truthIsTheSensorHRLineMeanPerWindow() throws {
        let dir = try PipelineEndToEndTests.temporaryDirectory("baseline-truth")
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try SyntheticDataset.write(to: dir, options: .init(subjects: 3, seconds: 6, seed: 4))
        var o = BaselineOptions(method: .pos, rawData: dir)
        o.evaluation.windowSeconds = 3
        let report = try Baseline.run(o)
        #expect(report.subjects.count == 3)
        for s in report.subjects {
            #expect(s.hrSource == "sensor")
            let hr = try UBFCDataset.subjects(in: dir)[s.subject - 1].loadGroundTruth().heartRate
            #expect(s.windows.count == 2)
            for w in s.windows {
                let range = (w.window * 90)..<((w.window + 1) * 90)
                let mean = hr[range].reduce(0, +) / 90
                #expect(abs(w.truth - mean) < 1e-9, "subject \(s.subject) window \(w.window): \(w.truth) vs \(mean)")
            }
        }
        // Off the FFT grid: the errors are real numbers, not the label's bin against the pulse's.
        #expect(report.metrics.map { $0.mae > 0 } == true)
        #expect(report.text().contains("truth: the ground truth's HR line"))
    }
}
