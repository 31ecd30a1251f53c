import Foundation
import RPPG
import TensorCore
import Testing
import Workflow

/// `rppg preprocess --dataset pure` on a PURE-layout recording written by Pillow and
/// `Tools/make_pure_fixtures.py`: frames decoded from the PNGs, labels the oximeter waveform
/// interpolated at the image timestamps (numpy.interp is the reference), bad layouts refused.
@Suite struct PURETests {
    static let root = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("pure")

    struct Expected: Decodable { var labels: [Double]; var frames: [Int] }

    @Test func rawClipsAndLabelsMatchThePNGsAndNumpyInterp() throws {
        let expected = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: Self.root.appendingPathComponent("expected.json")))
        let out = try PipelineEndToEndTests.temporaryDirectory("pure")
        defer { try? FileManager.default.removeItem(at: out) }
        var options = PreprocessOptions(rawData: Self.root, output: out)
        options.dataset = "pure"
        options.size = 16      // the frames' own size: the area resize of the whole frame is the identity
        options.chunkLength = 16
        options.inputType = .raw
        let result = try Preprocess.run(options)
        #expect(result.outputFile.lastPathComponent == "pure_processed.pt")
        #expect(result.subjects == [102] && result.clipCount == 2 && result.framesRead == 40)

        let data = try ProcessedDataset.load(result.outputFile)
        #expect(data.fps == 30)
        let labels = data.labels.floatValues()
        // Within float32 rounding of numpy's float64 value (its formula rounds in another order).
        #expect(labels.count == 32)
        #expect(zip(labels, expected.labels).allSatisfy { abs($0 - Float($1)) <= Float($1).ulp })
        // clips [n, 3, t, y, x] against frames [t, y, x, 3].
        let clips = data.clips.floatValues()
        var mismatches = 0
        for n in 0..<2 { for c in 0..<3 { for t in 0..<16 { for p in 0..<256 {
            let v = clips[((n * 3 + c) * 16 + t) * 256 + p]
            if v != Float(expected.frames[((n * 16 + t) * 256 + p) * 3 + c]) { mismatches += 1 }
        } } } }
        #expect(mismatches == 0)

        let meta = try PreprocessMeta.load(out.appendingPathComponent("01-02_meta.json"))
        #expect(meta.frames == 40 && meta.clips == 2 && meta.width == 16 && meta.height == 16)
        // 16×16 noise holds no face: the whole frame, and the record says so.
        #expect(meta.fallbackUsed && meta.detections.first?.cropBox == [0, 0, 16, 16])
    }

    @Test func aFolderWithoutRecordingsNamesTheLayout() throws {
        let empty = try PipelineEndToEndTests.temporaryDirectory("pure-empty")
        defer { try? FileManager.default.removeItem(at: empty) }
        var options = PreprocessOptions(rawData: empty, output: empty.appendingPathComponent("out"))
        options.dataset = "pure"
        #expect(throws: DatasetError.noPURESubjects(path: empty.path)) { try Preprocess.run(options) }
        #expect(!FileManager.default.fileExists(atPath: empty.appendingPathComponent("out").path))
    }

    @Test func labelsAreInterpolatedLinearly() throws {
        let labels = PURELabels(pulseTimes: [0, 10, 30], waveform: [1, 3, -1], imageTimes: [])
        #expect(labels.waveform(at: [-5, 0, 5, 10, 20, 30, 40]) == [1, 1, 2, 3, 1, -1, -1])
    }
}
