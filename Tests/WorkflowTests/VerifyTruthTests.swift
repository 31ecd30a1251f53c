import Foundation
import ONNX
import Quantization
import RPPG
import TensorCore
import Testing
import TorchIO
@testable import Workflow

/// `rppg verify` tells the truth by default: which subjects it scores (by the training record),
/// what it scores against (the sensor HR line when the file has one), per-clip scores with a
/// fine FFT and the toolbox's SNR, and warnings instead of silent NaN on tiny sets.
@Suite(.serialized) struct VerifyTruthTests {
    /// A model trained (1 epoch) on TrainWorkflowTests' 3-subject dataset, exported and quantized.
    struct Trained {
        let dir: URL, data: URL, fp32: URL, int8: URL, calibration: URL
    }

    static func trained() throws -> Trained {
        let dir = try PipelineEndToEndTests.temporaryDirectory("verifytruth")
        let data = dir.appendingPathComponent("data.pt")
        try TrainWorkflowTests.dataset(at: data)
        let train = try TrainStep.run(TrainWorkflowTests.options(dir, epochs: 1, output: "ckpt"))
        let fp32 = dir.appendingPathComponent("fp32.onnx"), int8 = dir.appendingPathComponent("int8.onnx")
        _ = try ExportModel.run(ExportOptions(checkpoint: train.bestCheckpoint, output: fp32, frames: 32))
        let calibration = dir.appendingPathComponent("calibration_data.pt")
        _ = try CalibrationData.calibrate(data: data, output: calibration, numSamples: 6)
        _ = try QuantizeModel.run(.init(model: fp32, calibration: calibration, output: int8,
                                        quantization: QuantizationOptions(method: .minMax, threads: 2)))
        return Trained(dir: dir, data: data, fp32: fp32, int8: int8, calibration: calibration)
    }

    static func options(_ t: Trained, data: URL? = nil) -> Verify.Options {
        var o = Verify.Options(data: data ?? t.data, fp32: t.fp32, int8: t.int8)
        o.threads = 2
        o.showProgress = false
        return o
    }

    @Test func splitFollowsTheTrainingRecordAndTruthTheSensor() throws {
        let t = try Self.trained()
        defer { try? FileManager.default.removeItem(at: t.dir) }
        let metadata = try ONNXReader.read(t.fp32).metadata
        #expect(metadata[TrainingRecord.dataKey] == (try SHA256Digest.hexDigest(ofFile: t.data)))
        #expect(metadata[TrainingRecord.validationKey] == "3")

        // The training file: only the held-out subject, scored against the label (no hr_sensor key).
        let onTraining = try Verify.run(Self.options(t))
        #expect(onTraining.split == "heldout")
        #expect(onTraining.subjects == [3] && onTraining.clips == 2)
        #expect(onTraining.hrSource == "label" && onTraining.hrSourceNote != nil)
        let w = onTraining.warnings ?? []
        #expect(w.contains { $0.contains("fewer than 5") } && w.contains { $0.contains("fewer than 30") })
        #expect(w.contains { $0.contains("per-video Pearson r is undefined") })
        #expect(!onTraining.text.contains("nan") && onTraining.text.contains("undefined"))
        #expect(!onTraining.html.contains(">nan<"))

        // Another file (the same clips with the sensor's HR line recorded): every subject, and
        // the truth per clip is the sensor's value.
        var other = try ProcessedDataset.load(t.data)
        other.hrFromSensor = [Bool](repeating: true, count: other.count)
        let otherURL = t.dir.appendingPathComponent("other.pt")
        try other.save(to: otherURL)
        let onOther = try Verify.run(Self.options(t, data: otherURL))
        #expect(onOther.split == "all" && onOther.subjects == [1, 2, 3] && onOther.clips == 6)
        #expect(onOther.hrSource == "sensor" && onOther.hrSourceNote == nil)
        #expect(onOther.perClip?.truthHR == [66, 66, 90, 90, 120, 120])
        #expect(onOther.truthHR == [66, 90, 120])
        #expect(onOther.perClip?.fp32.count == 6 && onOther.perClip?.int8.count == 6)
        #expect(onOther.perClip.map { abs($0.maeIncrease - ($0.int8.mae - $0.fp32.mae)) < 1e-9 } == true)
        #expect((onOther.perClip?.int8FP32WaveformPearson ?? 0) > 0.5)
        #expect(onOther.perClip?.fp32SNR?.isFinite == true)

        // --split heldout and --subjects override auto.
        var heldout = Self.options(t, data: otherURL)
        heldout.split = .heldout
        #expect(try Verify.run(heldout).subjects == [3])
        var given = Self.options(t, data: otherURL)
        given.subjects = [1, 2]
        let onGiven = try Verify.run(given)
        #expect(onGiven.split == "subjects" && onGiven.subjects == [1, 2])

        // Models without the record (FP32 and INT8: verify falls back to the INT8 model's, which
        // the quantizer copies): all subjects, with a note saying so.
        var noRecord = Self.options(t)
        for (model, name) in [(t.fp32, "bare_fp32.onnx"), (t.int8, "bare_int8.onnx")] {
            var graph = try ONNXReader.read(model)
            graph.metadata[TrainingRecord.dataKey] = nil
            let bare = t.dir.appendingPathComponent(name)
            try ONNXWriter.write(graph, to: bare)
            if model == t.fp32 { noRecord.fp32 = bare } else { noRecord.int8 = bare }
        }
        let onBare = try Verify.run(noRecord)
        #expect(onBare.split == "all" && onBare.subjects == [1, 2, 3])
        #expect(onBare.notes?.first?.contains("--split heldout") == true)

        // A saved report round-trips (the pipeline reads it back when verify is skipped).
        let decoded = try JSONOutput.decode(VerifyReport.self, from: JSONOutput.encode(onOther))
        #expect(decoded.split == "all" && decoded.perClip?.truthHR == onOther.perClip?.truthHR)
    }

    @Test func methodsComparisonQuantizesEachMethod() throws {
        let t = try Self.trained()
        defer { try? FileManager.default.removeItem(at: t.dir) }
        var o = Self.options(t)
        o.split = .all
        o.methods = ["minmax", "entropy:256"]
        o.calibration = t.calibration
        let report = try Verify.run(o)
        let rows = try #require(report.methods)
        #expect(rows.map(\.method) == ["fp32", "minmax", "entropy:256"])
        #expect(rows[0].maeIncrease == 0 && rows[0].clip.mae == report.perClip?.fp32.mae)
        // The given INT8 model was quantized with minmax from the same clips: the same numbers.
        #expect(rows[1].clip.mae == report.perClip?.int8.mae)
        #expect(abs(rows[1].maeIncrease - (rows[1].clip.mae - rows[0].clip.mae)) < 1e-9)
        #expect(report.text.contains("Calibration methods") && report.html.contains("Calibration methods"))

        o.methods = ["bogus"]
        #expect(throws: Verify.VerifyError.self) { try Verify.run(o) }
        o.methods = ["minmax"]
        o.calibration = t.dir.appendingPathComponent("missing.pt")
        let error = #expect(throws: Verify.VerifyError.self) { try Verify.run(o) }
        #expect(error?.message.contains("rppg calibrate") == true)
    }

    @Test func clipFFTFindsASineWithinHalfABPM() {
        for bpm in [52.3, 72.9, 101.7, 133.1] {
            let x = (0..<128).map { sin(2 * .pi * bpm / 60 * Double($0) / 30 + 0.4) }
            #expect(abs(ClipHeartRate.heartRate(x, fps: 30) - bpm) < 0.5, "sine of \(bpm) BPM")
            // Through the clip pulse (detrend, band-pass) as verify does: the filter's edge effects
            // on 4.3 s move the peak by up to about one 0.88 BPM bin.
            let pulse = ClipHeartRate.pulse(x.map(Float.init), fps: 30, diffNormalized: false)!
            #expect(abs(ClipHeartRate.heartRate(pulse, fps: 30) - bpm) < 1.0, "filtered sine of \(bpm) BPM")
        }
        // The old 128-point spectrum could not: its bins are 14 BPM apart.
        let x = (0..<128).map { sin(2 * .pi * 72.9 / 60 * Double($0) / 30) }
        #expect(abs(HeartRate.fft(x, fs: 30) - 72.9) > 0.5)
    }

    @Test func snrIsHighForACleanSineAndLowForNoise() {
        let bpm = 75.0
        let sine = (0..<128).map { sin(2 * .pi * bpm / 60 * Double($0) / 30) }
        var state: UInt64 = 11
        let noise = (0..<128).map { _ -> Double in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(Int64(bitPattern: state >> 11) % 2000) / 1000 - 1
        }
        let clean = ClipHeartRate.snr(sine, referenceHR: bpm, fps: 30)
        let noisy = ClipHeartRate.snr(noise, referenceHR: bpm, fps: 30)
        // 128 frames: the sine's main lobe (±0.23 Hz) is wider than the ±0.1 Hz window, so even a
        // clean clip leaks into the remainder; the gap to noise is what the SNR measures.
        #expect(clean > 5, "clean sine SNR \(clean) dB")
        #expect(noisy < 0 && clean - noisy > 10, "noise SNR \(noisy) dB, clean \(clean) dB")
        #expect(ClipHeartRate.snr(sine, referenceHR: 120, fps: 30) < 0)
    }

    @Test func preprocessRecordsWhetherHRIsTheSensors() throws {
        let frames = [Float](repeating: 0, count: 64 * 4 * 3), labels = [Float](repeating: 0, count: 64)
        let ppg = (0..<64).map { sin(2 * .pi * 1.2 * Double($0) / 30) }
        let withSensor = Chunking.chunks(subject: 1, frames: frames, frameCount: 64, size: 2, labels: labels,
                                         heartRate: [Double](repeating: 80, count: 64), rawPPG: ppg, fps: 30, length: 32)
        #expect(withSensor.hrFromSensor == [true, true] && withSensor.hr == [80, 80])
        let without = Chunking.chunks(subject: 1, frames: frames, frameCount: 64, size: 2, labels: labels,
                                      heartRate: [], rawPPG: ppg, fps: 30, length: 32)
        #expect(without.hrFromSensor == [false, false])

        // The key round-trips, and a file without it (older, or another tool's) loads with nil.
        let dir = try PipelineEndToEndTests.temporaryDirectory("hrsensor")
        defer { try? FileManager.default.removeItem(at: dir) }
        let old = dir.appendingPathComponent("old.pt")
        try TrainWorkflowTests.dataset(at: old)
        var d = try ProcessedDataset.load(old)
        #expect(d.hrFromSensor == nil)
        d.hrFromSensor = [true, false, true, false, true, false]
        let new = dir.appendingPathComponent("new.pt")
        try d.save(to: new)
        #expect(try ProcessedDataset.load(new).hrFromSensor == d.hrFromSensor)
    }
}

/// The verdict weighs the per-clip increase as well as the per-video one (issue 16, item 5).
@Suite struct VerifyVerdictTests {
    @Test func perClipDegradationFailsEvenWhenVideosPass() {
        let both = Verify.judge(videoIncrease: 0.10, clipIncrease: 0.31, threshold: 2)
        #expect(both.acceptable && both.basis == "per video +0.10, per clip +0.31 BPM: both below 2.00")
        let clip = Verify.judge(videoIncrease: 0.00, clipIncrease: 2.31, threshold: 2)
        #expect(!clip.acceptable && clip.basis.hasSuffix("per clip not below 2.00"))
        let video = Verify.judge(videoIncrease: 2.0, clipIncrease: -0.5, threshold: 2)
        #expect(!video.acceptable && video.basis.hasSuffix("per video not below 2.00"))
        let none = Verify.judge(videoIncrease: .nan, clipIncrease: .nan, threshold: 2)
        #expect(!none.acceptable && none.basis.contains("per video undefined") && none.basis.hasSuffix("per video and per clip not below 2.00"))
    }
}
