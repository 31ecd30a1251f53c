import Foundation
import RPPG
import TensorCore
import Testing
import Workflow

/// `rppg preprocess --input-type diffnormalized+standardized`: DeepPhys's and TS-CAN's six
/// channels, each half equal to what the single-type runs write.
@Suite struct PreprocessFrameModelInputTests {
    @Test func diffNormalizedPlusStandardizedStacksBothRuns() throws {
        let dir = try PipelineEndToEndTests.temporaryDirectory("preprocess-6ch")
        defer { try? FileManager.default.removeItem(at: dir) }
        let raw = dir.appendingPathComponent("raw")
        _ = try SyntheticDataset.write(to: raw, options: SyntheticDataset.Options(subjects: 1, seconds: 5, seed: 3, width: 96, height: 72))
        func run(_ type: InputType, combined: Bool) throws -> ProcessedDataset {
            var o = PreprocessOptions(rawData: raw, output: dir.appendingPathComponent("\(type.rawValue)\(combined ? "+std" : "")"))
            o.inputType = type
            o.standardizedChannels = combined
            o.chunkLength = 30
            o.threads = 1
            return try ProcessedDataset.load(try Preprocess.run(o).outputFile)
        }
        let both = try run(.diffNormalized, combined: true)
        let diff = try run(.diffNormalized, combined: false), std = try run(.standardized, combined: false)
        let n = diff.clips.shape[0]
        #expect(n >= 4 && both.clips.shape == [n, 6, 30, 36, 36])
        #expect(both.inputType == "diffnormalized+standardized")
        #expect(both.labels.floatValues() == diff.labels.floatValues())
        let (b, d, s) = (both.clips.floatValues(), diff.clips.floatValues(), std.clips.floatValues())
        let half = 3 * 30 * 36 * 36
        for c in 0..<n {
            #expect(Array(b[(2 * c * half)..<((2 * c + 1) * half)]) == Array(d[(c * half)..<((c + 1) * half)]), "clip \(c) channels 0–2")
            #expect(Array(b[((2 * c + 1) * half)..<((2 * c + 2) * half)]) == Array(s[(c * half)..<((c + 1) * half)]), "clip \(c) channels 3–5")
        }
    }
}
