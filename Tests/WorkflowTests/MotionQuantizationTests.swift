import Foundation
import NN
import ONNX
import Quantization
import RPPG
import TensorCore
import Testing
@testable import Workflow

/// Issue 16's done-when on heavy-tailed motion: a TinyPulse trained in Swift on
/// `synth --difficulty motion` data (`Tools/make_motion_fixture.sh`), calibrated on other motion
/// subjects, verified per clip on six more against the sensor HR line. MinMax (ORT's default)
/// spends the int8 range on motion edges and loses clearly; `auto` must lose no more than 0.1 BPM.
/// The sensitivity ranking must find the layer that costs the most and `--auto-exclude` recover.
@Suite(.serialized) struct MotionQuantizationTests {
    struct Prepared {
        let dir: URL, fp32: URL, calibration: URL, test: URL
    }

    /// Synthesises and preprocesses `subjects` motion subjects × 30 s; returns the data file.
    static func motionData(_ dir: URL, _ name: String, subjects: Int, seed: UInt64) throws -> URL {
        var o = SyntheticDataset.Options(subjects: subjects, seconds: 30, seed: seed)
        o.difficulty = .motion
        let raw = dir.appendingPathComponent("\(name)_raw")
        _ = try Synthesize.run(output: raw, options: o)
        let result = try Preprocess.run(PreprocessOptions(rawData: raw, output: dir.appendingPathComponent(name)))
        return result.outputFile
    }

    static func prepared() throws -> Prepared {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rppg-motionquant-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let checkpoint = try #require(Bundle.module.url(forResource: "tinypulse_motion", withExtension: "pth",
                                                        subdirectory: "Fixtures/motion"))
        let fp32 = dir.appendingPathComponent("fp32.onnx")
        _ = try ExportModel.run(ExportOptions(checkpoint: checkpoint, output: fp32))
        // Calibration subjects are neither training (seed 11) nor verification (seed 12) subjects.
        let calibrationData = try motionData(dir, "calib", subjects: 8, seed: 13)
        let calibration = dir.appendingPathComponent("calibration_data.pt")
        _ = try CalibrationData.calibrate(data: calibrationData, output: calibration, numSamples: 200)
        let test = try motionData(dir, "test", subjects: 6, seed: 12)
        return Prepared(dir: dir, fp32: fp32, calibration: calibration, test: test)
    }

    static func quantize(_ p: Prepared, _ method: CalibrationMethod, name: String,
                         autoExclude: Int = 0, autoExcludeAs: QuantizeSensitivity.Fallback = .float) throws
        -> (url: URL, result: QuantizeModel.Result)
    {
        let url = p.dir.appendingPathComponent("\(name).onnx")
        var o = QuantizeModel.Options(model: p.fp32, calibration: p.calibration, output: url,
                                      quantization: QuantizationOptions(method: method, threads: 2))
        o.autoExclude = autoExclude
        o.autoExcludeAs = autoExcludeAs
        return (url, try QuantizeModel.run(o))
    }

    static func verify(_ p: Prepared, _ int8: URL) throws -> VerifyReport {
        var o = Verify.Options(data: p.test, fp32: p.fp32, int8: int8)
        o.threads = 2
        o.showProgress = false
        return try Verify.run(o)
    }

    @Test func autoLosesAtMostATenthWhereMinMaxLosesClearly() throws {
        let p = try Self.prepared()
        defer { try? FileManager.default.removeItem(at: p.dir) }
        let minmax = try Self.verify(p, try Self.quantize(p, .minMax, name: "minmax").url)
        let auto = try Self.verify(p, try Self.quantize(p, .auto, name: "auto").url)
        // Every held-out subject, per clip, against the sensor's HR line.
        #expect(minmax.split == "all" && minmax.subjects == [1, 2, 3, 4, 5, 6])
        #expect(minmax.hrSource == "sensor")
        let mm = try #require(minmax.perClip), au = try #require(auto.perClip)
        #expect(mm.truthHR.count >= 30)
        print("motion: FP32 per-clip MAE \(mm.fp32.mae); MinMax +\(mm.maeIncrease) (video +\(minmax.maeIncrease)); "
              + "auto +\(au.maeIncrease) (video +\(auto.maeIncrease))")
        // A real FP32 error (not a 0.00 against the label's own estimate).
        #expect(mm.fp32.mae > 0)
        #expect(mm.maeIncrease >= 0.5, "MinMax should lose clearly on motion data")
        #expect(au.maeIncrease <= 0.1 && auto.maeIncrease <= 0.1)
    }

    @Test func sensitivityRanksLayersAndAutoExcludeRecovers() throws {
        let p = try Self.prepared()
        defer { try? FileManager.default.removeItem(at: p.dir) }
        let (url, result) = try Self.quantize(p, .minMax, name: "excluded", autoExclude: 1)
        let s = try #require(result.sensitivity)
        let fp32 = try ONNXReader.read(p.fp32)
        let convs = fp32.nodes.filter { if case .conv = $0.op { return true }; return false }.map(\.name)
        // TinyPulse's quantizable layers are its convolutions; each is ranked once, worst first.
        #expect(Set(s.layers.map(\.node)) == Set(convs) && s.layers.count == convs.count)
        #expect(zip(s.layers, s.layers.dropFirst()).allSatisfy { $0.score.heartRateErrorBPM >= $1.score.heartRateErrorBPM })
        #expect(s.clips.count == 32 && Set(s.clips).count == 32)
        // Quantized alone, a layer costs no more than all of them together.
        #expect(s.layers[0].score.outputSQNRdB >= s.allQuantized.outputSQNRdB)

        // One layer is left in float (the greedy pick): its weight is a float initializer, not a
        // DequantizeLinear output, and the whole model's error on the sampled clips falls.
        let e = try #require(s.exclusion)
        #expect(e.excluded.count == 1 && convs.contains(e.excluded[0]))
        let written = try ONNXReader.read(url)
        let excludedNode = try #require(written.nodes.first { $0.name == e.excluded[0] })
        #expect(written.initializers[excludedNode.inputs[1]]?.dtype == .float32)
        #expect(e.after.heartRateErrorBPM < e.before.heartRateErrorBPM)
        #expect(e.after.outputSQNRdB > e.before.outputSQNRdB)
        #expect(e.steps.count == 1 && e.steps[0] == e.after)
        #expect(e.modelBytesAfter > 0 && e.modelBytesBefore > 0 && e.floatNodesAfter > e.floatNodesBefore)
        #expect(e.int8MillisecondsAfter > 0 && e.int8MillisecondsBefore > 0)
        #expect(result.sensitivity.map { $0.text.contains("--auto-exclude 1: left in float \(e.excluded[0]) ") } == true)

        // Verified against the truth, the exclusion recovers accuracy MinMax lost.
        let minmax = try Self.verify(p, try Self.quantize(p, .minMax, name: "minmax").url)
        let excluded = try Self.verify(p, url)
        #expect(try #require(excluded.perClip).maeIncrease < (try #require(minmax.perClip)).maeIncrease)

        // Asking for more layers than there are names the limit.
        #expect {
            _ = try Self.quantize(p, .minMax, name: "toomany", autoExclude: convs.count + 1)
        } throws: { "\($0)".contains("use at most \(convs.count)") }
        #expect(!FileManager.default.fileExists(atPath: p.dir.appendingPathComponent("toomany.onnx").path))
    }
    /// `--auto-exclude 1 --auto-exclude-as int16`: the greedy pick gets 16-bit activations instead
    /// of float, its weights stay int8 (a DequantizeLinear of an int8 initializer), the model is
    /// written at opset 21 as ORT writes QInt16, and verified per clip against the sensor HR it
    /// loses less than MinMax alone.
    @Test func autoExcludeToInt16KeepsWeightsInt8AndRecovers() throws {
        let p = try Self.prepared()
        defer { try? FileManager.default.removeItem(at: p.dir) }
        let (url, result) = try Self.quantize(p, .minMax, name: "int16", autoExclude: 1, autoExcludeAs: .int16)
        let e = try #require(result.sensitivity?.exclusion)
        #expect(e.fallback == .int16 && e.excluded.count == 1)
        #expect(e.after.heartRateErrorBPM < e.before.heartRateErrorBPM)
        let written = try ONNXReader.read(url)
        #expect(QDQInsertion.requiredOpset(written) == 21)
        let node = try #require(written.nodes.first { $0.name == e.excluded[0] })
        let weightProducer = try #require(written.nodes.first { $0.outputs.contains(node.inputs[1]) })
        guard case .dequantizeLinear = weightProducer.op else { Issue.record("weight of \(node.name) is not dequantized"); return }
        #expect(written.initializers[weightProducer.inputs[0]]?.dtype == .int8)
        // Its activation input is read through an int16 DequantizeLinear.
        let inputProducer = try #require(written.nodes.first { $0.outputs.contains(node.inputs[0]) })
        #expect(inputProducer.inputs.count > 2 && written.initializers[inputProducer.inputs[2]]?.dtype == .int16)
        #expect(result.sensitivity?.text.contains("given int16 activations (weights int8) \(e.excluded[0])") == true)

        let minmax = try Self.verify(p, try Self.quantize(p, .minMax, name: "minmax").url)
        let mixed = try Self.verify(p, url)
        let mm = try #require(minmax.perClip), mx = try #require(mixed.perClip)
        print("motion: MinMax +\(mm.maeIncrease) BPM per clip; with \(e.excluded[0]) at int16 +\(mx.maeIncrease)")
        #expect(mx.maeIncrease < mm.maeIncrease)
    }

    /// Issue 16's QAT done-when: where MinMax PTQ is poor (this fixture), fine-tuning with the
    /// same fixed MinMax ranges in the loop recovers at least half of what PTQ loses, per clip on
    /// the six verification subjects against the sensor HR. (Learned scales, `--learn-scales`,
    /// are not used here: on this fixture they recovered or lost depending on the scale rate,
    /// docs/workflow.md.) The recipe is `Tools/qat_motion.sh`'s
    /// on the fixture's own training data (seed 11, 16 subjects) and its calibration as
    /// `rppg calibrate` picks it from that file; about a minute in release.
    @Test func qatRecoversAtLeastHalfOfWhatMinMaxLoses() throws {
        let p = try Self.prepared()
        defer { try? FileManager.default.removeItem(at: p.dir) }
        let train = try Self.motionData(p.dir, "train", subjects: 16, seed: 11)
        let calibration = p.dir.appendingPathComponent("train_calibration.pt")
        _ = try CalibrationData.calibrate(data: train, output: calibration, numSamples: 200)
        let checkpoint = try #require(Bundle.module.url(forResource: "tinypulse_motion", withExtension: "pth",
                                                        subdirectory: "Fixtures/motion"))
        let minmaxURL = p.dir.appendingPathComponent("minmax_train.onnx")
        _ = try QuantizeModel.run(QuantizeModel.Options(model: p.fp32, calibration: calibration, output: minmaxURL,
                                                        quantization: QuantizationOptions(method: .minMax, threads: 2)))
        var o = QATOptions(checkpoint: checkpoint, data: train, output: p.dir.appendingPathComponent("qat"))
        o.calibration = calibration
        o.quantization = QuantizationOptions(method: .minMax, threads: 2)
        o.epochs = 5
        o.threads = 2
        let qat = try QATStep.run(o)
        let ptq = try #require(try Self.verify(p, minmaxURL).perClip)
        let tuned = try #require(try Self.verify(p, qat.model).perClip)
        print("QAT motion: MinMax +\(ptq.maeIncrease) BPM per clip, QAT +\(tuned.maeIncrease) (best epoch \(qat.bestEpoch))")
        #expect(ptq.truthHR.count >= 30)
        #expect(ptq.maeIncrease > 0.5, "PTQ must be poor here for the comparison to mean anything")
        #expect(tuned.maeIncrease <= ptq.maeIncrease / 2)
    }
}
