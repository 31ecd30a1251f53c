import Foundation
import RPPG
import TensorCore
import Testing
import TorchIO
@testable import Workflow

/// What the workflow does with the frame models (DeepPhys, TS-CAN, EfficientPhys) so far:
/// infer on frames runs them (on videos: `FrameModelVideoTests`), the step that does not yet
/// adapt clips to frames (qat) refuses them with a message that says so.
@Suite struct FrameModelWorkflowTests {
    static let zoo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("RPPGTests/Fixtures/zoo")

    @Test(arguments: [("tscan", "deepphys_weights.pth"), ("efficientphys", "efficientphys_weights.pth")])
    func inferOnFramesMatchesPyTorch(_ model: String, _ weights: String) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("frame-infer-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let io = Self.zoo.appendingPathComponent("\(model)_frames_b2_t10_s36.pt")
        let out = dir.appendingPathComponent("pulse.pt")
        let result = try Infer.run(InferOptions(model: .checkpoint(Self.zoo.appendingPathComponent(weights), architecture: nil),
                                                input: .clips(io), output: out, engine: .fp32))
        #expect(result.modelDescription == "\(model) (detected)")
        #expect(result.outputShape == [20, 1])
        let y = try #require(TorchFile.load(out)["output"]?.tensor).floatValues()
        let want = try #require(TorchFile.load(io)["output"]?.tensor).floatValues()
        let scale = want.map(abs).max()!
        let err = zip(y, want).map { abs($0 - $1) }.max()! / scale
        #expect(err < 1e-4, "\(model): relative error \(err)")
    }

    @Test func framesOfTheWrongShapeAreRefused() throws {
        let error = try #require(throws: InferError.self) {
            try Infer.checkShape([15, 6, 36, 36], for: .tsCAN, file: "x.pt")
        }
        #expect(error.description.contains("[N·T, 6, S, S]") && error.description.contains("multiple of 10"))
        try Infer.checkShape([21, 3, 36, 36], for: .efficientPhys, file: "x.pt")
        #expect(throws: InferError.self) { try Infer.checkShape([20, 3, 36, 36], for: .efficientPhys, file: "x.pt") }
    }

    @Test func clipStepsRefuseFrameModelsClearly() throws {
        try TrainModels.check("deepphys")  // rppg train (and pipeline) take the frame models now
        let why = try #require(ZooArchitecture.deepPhys.clipStepRefusal("qat"))
        #expect(why.contains("deepphys takes frames [N·T, 6, S, S]") && why.contains("tinypulse, physnet, factorizephys")
                && why.contains("rppg train, pipeline"))
        #expect(ZooArchitecture.efficientPhys.clipStepRefusal("verify")?.contains("[N·T + 1, 3, S, S]") == true)
        #expect(ZooArchitecture.tinyPulse.clipStepRefusal("train") == nil)
    }
}

/// The clip workflow's calibrate → quantize → verify on TS-CAN: six-channel clips from
/// `preprocess --input-type diffnormalized+standardized`, run by the frame model frame by frame.
@Suite struct FrameModelVerifyTests {
    @Test func tsCANCalibratesQuantizesAndVerifiesOnSixChannelClips() throws {
        let dir = try PipelineEndToEndTests.temporaryDirectory("tscan-verify")
        defer { try? FileManager.default.removeItem(at: dir) }
        let raw = dir.appendingPathComponent("raw")
        _ = try SyntheticDataset.write(to: raw, options: SyntheticDataset.Options(subjects: 2, seconds: 6, seed: 4, width: 96, height: 72))
        var pre = PreprocessOptions(rawData: raw, output: dir.appendingPathComponent("data"))
        pre.standardizedChannels = true
        pre.chunkLength = 30
        pre.threads = 2
        let data = try Preprocess.run(pre).outputFile
        let fp32 = dir.appendingPathComponent("tscan_fp32.onnx"), int8 = dir.appendingPathComponent("tscan_qdq.onnx")
        _ = try ExportModel.run(ExportOptions(checkpoint: FrameModelWorkflowTests.zoo.appendingPathComponent("deepphys_weights.pth"),
                                              output: fp32, model: "tscan", frames: 30))
        let calibration = dir.appendingPathComponent("calibration.pt")
        let summary = try CalibrationData.calibrate(data: data, output: calibration, numSamples: 4, seed: 0)
        #expect(summary.clips.shape == [4, 6, 30, 36, 36])
        let q = try QuantizeModel.run(.init(model: fp32, calibration: calibration, output: int8))
        #expect(q.clipCount == 4 && q.quantizeNodes > 20)
        var options = Verify.Options(data: data, fp32: fp32, int8: int8)
        options.threads = 2
        options.showProgress = false
        let report = try Verify.run(options)
        let clips = try ProcessedDataset.load(data).clips.shape[0]
        #expect(report.clips == clips && clips >= 8)
        // Random weights predict no heart rate; what is checked is that INT8 follows FP32.
        let r = try #require(report.perClip?.int8FP32WaveformPearson)
        print("tscan verify: \(report.clips) clips, INT8 vs FP32 waveform Pearson \(r), FP32 MAE \(report.fp32.mae), INT8 MAE \(report.int8.mae)")
        #expect(r > 0.9)
    }
}
