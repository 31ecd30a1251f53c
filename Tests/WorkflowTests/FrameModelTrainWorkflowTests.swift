import Foundation
import RPPG
import TensorCore
import Testing
import TorchIO
@testable import Workflow

/// `rppg train --model tscan|efficientphys` on a tiny in-memory dataset: the loss falls, the
/// checkpoint is the model's state dict with the toolbox's loss recorded, and datasets the model
/// cannot take are refused with the preprocess option that fixes them.
@Suite struct FrameModelTrainWorkflowTests {
    static func dataset(at url: URL, channels: Int, frames: Int, inputType: String) throws {
        try TrainWorkflowTests.dataset(at: url, channels: channels, frames: frames, inputType: inputType)
    }

    @Test(arguments: [("tscan", 6, "diffnormalized+standardized"), ("efficientphys", 3, "standardized")])
    func trainingLowersTheLoss(_ model: String, _ channels: Int, _ inputType: String) throws {
        let dir = try PipelineEndToEndTests.temporaryDirectory("train-\(model)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("data.pt")
        try Self.dataset(at: data, channels: channels, frames: 20, inputType: inputType)
        var o = TrainOptions(data: data, model: model, output: dir.appendingPathComponent("checkpoints"))
        o.epochs = 4
        o.batchSize = 2
        o.threads = 2
        o.patience = 100
        let r = try TrainStep.run(o)
        let losses = r.records.map(\.trainLoss)
        print("\(model) training loss by epoch: \(losses), val MAE \(r.records.map(\.validationMAE))")
        #expect(r.records.count == 4 && losses.allSatisfy(\.isFinite))
        #expect(losses.last! < 0.8 * losses.first!, "\(model): \(losses)")
        let best = try Checkpoint.load(r.bestCheckpoint)
        let match = try ModelZoo.detect(best.stateDict)
        #expect(match.architecture.rawValue == model || match.alsoFits.map(\.rawValue).contains(model))
        #expect(match.hyperparameters["inputSize"] == "36")
        #expect(best.root["config"]?["loss"]?.stringValue == "mse")
        #expect(best.root["config"]?["frames"]?.intValue == 20)
        if model == "efficientphys" {
            // One BatchNorm update per training step: 2 training subjects × 2 clips, batch 2, 4 epochs.
            #expect(best.stateDict["batch_norm.num_batches_tracked"]?.scalars(as: Int64.self) == [Int64(2 * r.bestEpoch)])
        }
    }

    @Test func datasetsTheModelCannotTakeAreRefused() throws {
        let dir = try PipelineEndToEndTests.temporaryDirectory("train-refusals")
        defer { try? FileManager.default.removeItem(at: dir) }
        func refusal(_ model: ZooArchitecture, channels: Int, frames: Int, inputType: String) throws -> String {
            let url = dir.appendingPathComponent("\(model.rawValue)-\(channels)-\(frames)-\(inputType).pt")
            try Self.dataset(at: url, channels: channels, frames: frames, inputType: inputType)
            let error = try #require(throws: TrainError.self) {
                try TrainingSplit.checkInput(try ProcessedDataset.load(url), source: url.lastPathComponent, architecture: model)
            }
            return error.description
        }
        #expect(try refusal(.tsCAN, channels: 3, frames: 20, inputType: "diffnormalized").contains("--input-type diffnormalized+standardized"))
        #expect(try refusal(.tsCAN, channels: 6, frames: 25, inputType: "diffnormalized+standardized").contains("--chunk 180"))
        #expect(try refusal(.efficientPhys, channels: 3, frames: 20, inputType: "diffnormalized").contains("--input-type standardized"))
        // DeepPhys has no temporal shift: any clip length.
        let url = dir.appendingPathComponent("deepphys.pt")
        try Self.dataset(at: url, channels: 6, frames: 25, inputType: "diffnormalized+standardized")
        try TrainingSplit.checkInput(try ProcessedDataset.load(url), source: "deepphys.pt", architecture: .deepPhys)
    }
}
