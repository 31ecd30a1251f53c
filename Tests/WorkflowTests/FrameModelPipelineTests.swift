import Foundation
import Quantization
import RPPG
import TensorCore
import Testing
import TorchIO
@testable import Workflow

/// `rppg pipeline --model efficientphys` end to end on a tiny synthetic set (3 subjects × 7 s,
/// one epoch): it preprocesses what the model takes, trains it from scratch, and calibrates,
/// exports, quantizes, verifies and deploy-checks the frame model.
@Suite struct FrameModelPipelineTests {
    @Test func efficientPhysRunsTheWholePipeline() throws {
        let work = try PipelineEndToEndTests.temporaryDirectory("pipeline-efficientphys")
        defer { try? FileManager.default.removeItem(at: work) }
        var o = Pipeline.Options()
        o.workdir = work
        o.model = .efficientPhys
        o.synthetic = SyntheticDataset.Options(subjects: 3, seconds: 7, seed: 5, width: 96, height: 72, fps: 30)
        o.trainEpochs = 1
        o.numSamples = 2
        // MinMax: the default auto search takes about a minute on a frame model (histograms of
        // every tensor for several methods); the choice of method is not what is tested here.
        o.method = .minMax
        o.threads = 2
        o.showProgress = false
        var lines: [String] = []
        let (summary, verify, deploy) = try Pipeline.run(o) { lines.append($0) }
        #expect(summary.steps.map(\.name) == ["synth", "preprocess", "train", "calibrate", "export", "quantize", "verify", "deploy-check"])
        #expect(lines.contains { $0.contains("Standardized, DiffNormalized labels, 180-frame chunks (what efficientphys takes)") })
        #expect(summary.warnings.contains { $0.contains("efficientphys trains on 36×36 frames") })
        // The firmware (deploy-run) has no frame-model kernels yet: said, not failed.
        #expect(summary.warnings.contains { $0.contains("deploy-run skipped: the firmware runs clip models only") })
        let data = try ProcessedDataset.load(work.appendingPathComponent("data/ubfc_processed.pt"))
        #expect(data.inputType == "standardized" && data.clips.shape == [3, 3, 180, 36, 36])
        // rPPG-Toolbox's LABEL_TYPE for EfficientPhys, recorded in the file (verify cumulates them).
        #expect(data.labelType == "diffnormalized" && data.labelsAreDiffNormalized)
        let trained = try Checkpoint.load(work.appendingPathComponent("checkpoints/best_model.pth"))
        #expect(try ModelZoo.detect(trained.stateDict).architecture == .efficientPhys)
        #expect(trained.root["config"]?["epochs"]?.intValue == 1 && trained.root["config"]?["loss"]?.stringValue == "mse")
        // The exported frame model takes one clip's 180 frames and the extra one.
        #expect(deploy.inputShape == [181, 3, 36, 36] && deploy.macs > 0)
        #expect(verify.clips == 1 && verify.fp32.mae.isFinite && verify.int8.mae.isFinite)
        print("efficientphys tiny pipeline: FP32 MAE \(verify.fp32.mae), INT8 MAE \(verify.int8.mae), "
              + "NPU share \(deploy.npuMACShare), steps \(summary.steps.map { String(format: "%@ %.1f s", $0.name, $0.seconds) })")

        // A later run for another model in the same work directory is refused, not mixed up.
        var other = o
        other.model = .tsCAN
        let error = try #require(throws: Pipeline.PipelineError.self) { try Pipeline.run(other) { _ in } }
        #expect(error.message.contains("trained for efficientphys, not tscan") && error.message.contains("--workdir"))
    }

    @Test func eachModelIsPreprocessedTheWayItTakesClips() throws {
        for a in ZooArchitecture.allCases {
            let r = PipelineRecipe.of(a)
            let p = r.preprocessOptions(rawData: URL(fileURLWithPath: "raw"), output: URL(fileURLWithPath: "data"), threads: 1)
            #expect(p.datasetInputType.lowercased() == ZooCatalog.inputType(a).lowercased(), "\(a.rawValue)")
            #expect(TrainModels.inputSizes(a).contains(r.size), "\(a.rawValue)")
            if a == .tsCAN || a == .efficientPhys { #expect(r.chunkLength % ModelZoo.frameDepth == 0) }
            #expect((r.note != nil) == !BundledModel.architectures.contains(a), "\(a.rawValue): say when training is shortened")
        }
    }
}
