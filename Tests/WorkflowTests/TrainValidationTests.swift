import Foundation
import Quantization
import RPPG
import TensorCore
import Testing
import TorchIO
@testable import Workflow

/// `rppg train` validates as `rppg verify` scores: per clip, against the sensor's HR line, so
/// that the label's own FFT estimate (the same spectral bin as the prediction) cannot give 0.00.
@Suite(.serialized) struct TrainValidationTests {
    @Test func validationMAEIsVerifysPerClipMAEAgainstTheSensor() throws {
        let dir = try PipelineEndToEndTests.temporaryDirectory("trainval")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("data.pt")
        try TrainWorkflowTests.dataset(at: data)
        var sensor = try ProcessedDataset.load(data)
        sensor.hrFromSensor = [Bool](repeating: true, count: sensor.count)
        try sensor.save(to: data)

        let train = try TrainStep.run(TrainWorkflowTests.options(dir, epochs: 2, output: "ckpt"))
        let log = try String(contentsOf: train.log, encoding: .utf8)
        #expect(log.contains("per-clip HR MAE against the sensor HR"))
        #expect(train.records.allSatisfy { $0.validationMAE.isFinite && $0.validationVideoMAE.isFinite })
        // 120 BPM (the held-out subject) falls between the 0.88 BPM bins: never exactly 0.
        #expect(train.bestValidationMAE > 0.1, "val MAE \(train.bestValidationMAE)")
        let bestRecord = try #require(train.records.first { $0.epoch == train.bestEpoch })
        #expect(bestRecord.validationMAE == train.records.map(\.validationMAE).min())

        // verify on the same clips (the held-out subject) with the best checkpoint's FP32 model.
        let fp32 = dir.appendingPathComponent("fp32.onnx"), int8 = dir.appendingPathComponent("int8.onnx")
        _ = try ExportModel.run(ExportOptions(checkpoint: train.bestCheckpoint, output: fp32, frames: 32))
        let calibration = dir.appendingPathComponent("calibration_data.pt")
        _ = try CalibrationData.calibrate(data: data, output: calibration, numSamples: 6)
        _ = try QuantizeModel.run(.init(model: fp32, calibration: calibration, output: int8,
                                        quantization: QuantizationOptions(method: .minMax, threads: 2)))
        var o = Verify.Options(data: data, fp32: fp32, int8: int8)
        o.threads = 2
        o.showProgress = false
        o.split = .heldout
        let report = try Verify.run(o)
        #expect(report.subjects == train.validationSubjects && report.hrSource == "sensor")
        let verifyMAE = try #require(report.perClip?.fp32.mae)
        #expect(abs(verifyMAE - train.bestValidationMAE) < 1e-6, "train \(train.bestValidationMAE) vs verify \(verifyMAE)")
    }

    /// Without a sensor HR line the truth is the label waveform's estimate, and the log says so.
    @Test func withoutSensorTheLogNamesTheLabelEstimate() throws {
        let dir = try PipelineEndToEndTests.temporaryDirectory("trainval-label")
        defer { try? FileManager.default.removeItem(at: dir) }
        try TrainWorkflowTests.dataset(at: dir.appendingPathComponent("data.pt"))
        let train = try TrainStep.run(TrainWorkflowTests.options(dir, epochs: 1, output: "ckpt"))
        let log = try String(contentsOf: train.log, encoding: .utf8)
        #expect(log.contains("per-clip HR MAE against the label HR"))
        #expect(train.records.count == 1 && train.records[0].validationMAE.isFinite)
    }
}
