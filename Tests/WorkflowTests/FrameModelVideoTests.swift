import Foundation
import NN
import ONNX
import RPPG
import TensorCore
import Testing
import TorchIO
@testable import Workflow

/// `infer --video` and `monitor` on the frame models (DeepPhys, TS-CAN, EfficientPhys): a video
/// is cut as `rppg preprocess` cuts it for that model (the toolbox's input type, six channels for
/// DeepPhys, 180-frame chunks, the checkpoint's 36-pixel side), each chunk goes in as frames, and
/// the waveform is read with DiffNormalized labels. Random weights predict no heart rate, so what
/// is checked is that each path gives exactly what the steps it stands for give.
@Suite(.serialized) struct FrameModelVideoTests {
    /// DeepPhys and TS-CAN share keys and shapes (detection names TS-CAN), so the model is named.
    static let weights = ["deepphys": "deepphys_weights.pth", "tscan": "deepphys_weights.pth",
                          "efficientphys": "efficientphys_weights.pth"]

    static func checkpoint(_ model: String) -> InferModelSource {
        .checkpoint(FrameModelWorkflowTests.zoo.appendingPathComponent(weights[model]!),
                    architecture: ZooArchitecture(rawValue: model))
    }

    /// The model's FP32 waveform of every clip of `clips` `[N, C, T, S, S]`, run as frames.
    static func waveforms(_ model: String, clips: Tensor) throws -> [Float] {
        let a = try #require(ZooArchitecture(rawValue: model))
        let stateDict = try Checkpoint.load(FrameModelWorkflowTests.zoo.appendingPathComponent(weights[model]!)).stateDict
        guard case .frames(_, let extra) = a.inputLayout else { throw InferError(message: "\(model) is not a frame model") }
        let graph = try ModelZoo.graph(a, stateDict: stateDict, batch: 1, frames: clips.shape[2], inputSize: clips.shape[3])
        let executor = try FP32Executor(graph: graph, threads: 2)
        return try (0..<clips.shape[0]).flatMap {
            try executor.run(FrameLayout.frames(fromClip: clips.batch($0..<($0 + 1)), extraFrame: extra)).floatValues()
        }
    }

    @Test(arguments: ["deepphys", "tscan", "efficientphys"])
    func inferOnAVideoGivesWhatPreprocessThenTheModelGive(_ model: String) throws {
        let dir = try PipelineEndToEndTests.temporaryDirectory("frame-video-\(model)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let video = try MonitorTests.syntheticVideo(in: dir, seconds: 13)   // 390 frames: two 180-frame chunks
        let out = dir.appendingPathComponent("pulse.pt")
        let result = try Infer.run(InferOptions(model: Self.checkpoint(model),
                                                input: .video(video, inputType: nil), output: out, engine: .fp32, threads: 2))
        let a = try #require(ZooArchitecture(rawValue: model))
        let channels = a == .efficientPhys ? 3 : 6
        #expect(result.inputShape == [2, channels, 180, 36, 36])
        #expect(result.outputShape == [2, 180])

        // rppg preprocess with the pipeline's recipe for this model, on the same video.
        let pre = PipelineRecipe.of(a).preprocessOptions(rawData: dir.appendingPathComponent("raw"),
                                                           output: dir.appendingPathComponent("data"), threads: 2)
        let dataset = try ProcessedDataset.load(try Preprocess.run(pre).outputFile)
        let subject = try #require(dataset.subject.scalars(as: Int64.self).firstIndex(of: 5))
        let clips = dataset.clips.batch(subject..<(subject + 2))
        #expect(clips.shape == [2, channels, 180, 36, 36])
        let expected = try Self.waveforms(model, clips: clips)
        #expect(try #require(TorchFile.load(out)["output"]?.tensor).floatValues() == expected)

        // The heart rate of the whole output, read as DiffNormalized labels (the toolbox's LABEL_TYPE).
        let pulse = try HeartRateEvaluation.pulse(expected.map(Double.init), fps: 30, diffNormalized: true)
        #expect(result.heartRate == HeartRate.estimate(pulse, fs: 30, method: .fft))
    }

    @Test(arguments: ["deepphys", "efficientphys"])
    func monitorReadsFrameModelsAsInferDoesOnTheSameWindow(_ model: String) throws {
        let dir = try PipelineEndToEndTests.temporaryDirectory("frame-monitor-\(model)")
        defer { try? FileManager.default.removeItem(at: dir) }
        // 6 s = one 180-frame window: its transform over the window is infer's over the whole video.
        let video = try MonitorTests.syntheticVideo(in: dir, seconds: 6)
        var options = MonitorTests.options(.video(video), output: dir.appendingPathComponent("out"), hop: 30)
        options.model = Self.checkpoint(model)
        options.engine = .fp32
        let summary = try Monitor.run(options)
        #expect(summary.windowFrames == 180 && summary.readings.map(\.frame) == [180])

        let out = dir.appendingPathComponent("pulse.pt")
        _ = try Infer.run(InferOptions(model: Self.checkpoint(model),
                                       input: .video(video, inputType: nil), output: out, engine: .fp32, threads: 1))
        let waveform = try #require(TorchFile.load(out)["output"]?.tensor).floatValues()
        let pulse = try #require(ClipHeartRate.pulse(waveform, fps: 30, diffNormalized: true))
        #expect(summary.readings[0].heartRate == ClipHeartRate.heartRate(pulse, fps: 30))
    }

    /// DeepPhys and TS-CAN share every key, so the weights alone detect TS-CAN; a checkpoint of
    /// `rppg train --model deepphys` records its model, and export (what `rppg pipeline` runs) and
    /// infer take it from there.
    @Test func aTrainedDeepPhysIsExportedAsDeepPhysNotTSCAN() throws {
        let dir = try PipelineEndToEndTests.temporaryDirectory("deepphys-recorded")
        defer { try? FileManager.default.removeItem(at: dir) }
        let weights = try Checkpoint.load(FrameModelWorkflowTests.zoo.appendingPathComponent("deepphys_weights.pth")).stateDict
        let stateDict = PickleValue.stringDict(weights.entries.map { ($0.key, .tensor($0.tensor)) })
        func save(_ model: String?) throws -> URL {
            let url = dir.appendingPathComponent("\(model ?? "none").pth")
            var root: [(String, PickleValue)] = [("model_state_dict", stateDict)]
            if let model { root.append(("config", .stringDict([("model", .string(model))]))) }
            try TorchFile.save(.stringDict(root), to: url)
            return url
        }
        #expect(try ModelZoo.detect(Checkpoint.load(save(nil))).architecture == .tsCAN)
        let recorded = try ModelZoo.detect(Checkpoint.load(save("deepphys")))
        #expect(recorded.architecture == .deepPhys && recorded.alsoFits == [.tsCAN])
        let export = try ExportModel.run(ExportOptions(checkpoint: save("deepphys"), output: dir.appendingPathComponent("m.onnx"), frames: 20))
        #expect(export.architecture == "deepphys")
        #expect(try ONNXReader.read(dir.appendingPathComponent("m.onnx")).metadata["architecture"] == "deepphys")
        // A recorded name that does not fit the weights changes nothing.
        #expect(try ModelZoo.detect(Checkpoint.load(save("efficientphys"))).architecture == .tsCAN)
    }

    /// An exported or quantized frame model's input format: its recorded architecture, else the one
    /// its channels imply; other shapes are refused with the file named.
    @Test func onnxFrameModelsGetTheirZooInputFormat() throws {
        func format(_ shape: [Int], architecture: String?) throws -> ModelInputFormat {
            var g = Graph()
            g.inputs = [ValueInfo(name: "input", shape: shape)]
            if let architecture { g.metadata["architecture"] = architecture }
            return try LoadedModel.onnx(g, URL(fileURLWithPath: "/m.onnx")).inputFormat(inputType: nil, step: "monitor")
        }
        let tscan = try format([180, 6, 36, 36], architecture: "tscan")
        #expect(tscan == ModelInputFormat(frames: 180, size: 36, inputType: .diffNormalized, standardizedChannels: true,
                                          labelType: .diffNormalized, extraFrame: false))
        #expect(tscan.modelInputShape == [180, 6, 36, 36] && tscan.clipShape == [1, 6, 180, 36, 36])
        let efficient = try format([181, 3, 72, 72], architecture: nil)
        #expect(efficient == ModelInputFormat(frames: 180, size: 72, inputType: .standardized,
                                              labelType: .diffNormalized, extraFrame: true))
        #expect(try format([1, 3, 160, 72, 72], architecture: "factorizephys").inputType == .raw)
        #expect(try format([1, 3, 128, 36, 36], architecture: nil).inputType == .diffNormalized)
        let error = try #require(throws: InferError.self) { try format([180, 4, 36, 36], architecture: nil) }
        #expect(error.description.contains("/m.onnx") && error.description.contains("[180, 4, 36, 36]"))
    }
}
