import Foundation
import RPPG

/// What `rppg pipeline` preprocesses and trains for a zoo model when it makes the data (from the
/// synthetic or a raw folder) and, with no checkpoint bundled, the checkpoint itself: the input
/// type, side and chunk length the model takes (rPPG-Toolbox's configs), and a training run short
/// enough for the embedded default on two cores. The big models get fewer epochs or a smaller
/// side than the toolbox's; ``note`` says so in the log.
struct PipelineRecipe: Equatable {
    var inputType: InputType
    /// DeepPhys's and TS-CAN's six channels (DiffNormalized + Standardized).
    var standardizedChannels = false
    /// The labels' type when not the input's (EfficientPhys: DiffNormalized, the toolbox's LABEL_TYPE).
    var labelType: InputType?
    var size: Int
    var chunkLength: Int
    var epochs = 30
    var batchSize = 4
    var learningRate = 1e-3
    var note: String?

    static func of(_ a: ZooArchitecture) -> PipelineRecipe {
        switch a {
        case .tinyPulse, .tinyPulse2D:
            return PipelineRecipe(inputType: .diffNormalized, size: 36, chunkLength: 128)
        case .physNet:
            return PipelineRecipe(inputType: .diffNormalized, size: 72, chunkLength: 128, epochs: 6,
                                  note: "physnet (17.6 G MACs per clip) trains 6 epochs here, not the toolbox's 30")
        case .factorizePhys:
            // The model differences and normalises the frames itself (Tools/pytorch_zoo.py).
            return PipelineRecipe(inputType: .raw, size: 72, chunkLength: 160, epochs: 10,
                                  note: "factorizephys trains 10 epochs here, not the toolbox's 30")
        case .iBVPNet:
            // Raw frames like FactorizePhys: the model differences and normalises them itself.
            return PipelineRecipe(inputType: .raw, size: 72, chunkLength: 160, epochs: 4,
                                  note: "ibvpnet trains 4 epochs here, not the toolbox's 30")
        case .physFormer:
            // The toolbox's PHYSFORMER configs: DiffNormalized 128×128, CHUNK_LENGTH 160 (30 epochs).
            return PipelineRecipe(inputType: .diffNormalized, size: 128, chunkLength: 160, epochs: 2,
                                  note: "physformer trains 2 epochs here, not the toolbox's 30")
        case .deepPhys, .tsCAN, .efficientPhys:
            // The toolbox's DATA_TYPE and CHUNK_LENGTH 180 (a multiple of frame_depth 10), batch 4; its
            // LR 9e-3 diverged at the OneCycle peak on the few steps of the embedded run, 1e-3 did not.
            let frameNote = "\(a.rawValue) trains on 36×36 frames (the toolbox: 72×72) for 4 epochs at lr 1e-3 "
                + "(the toolbox: 30 at 9e-3), so that the embedded run takes minutes on two cores"
            return PipelineRecipe(inputType: a == .efficientPhys ? .standardized : .diffNormalized,
                                  standardizedChannels: a != .efficientPhys, labelType: .diffNormalized, size: 36,
                                  chunkLength: 180, epochs: 4, note: frameNote)
        }
    }

    /// The processed file's input type (`diffnormalized+standardized` for the six channels).
    var datasetInputType: String {
        standardizedChannels ? ProcessedDataset.diffNormalizedStandardized : inputType.rawValue
    }

    /// `rppg preprocess`'s options for this recipe.
    func preprocessOptions(rawData: URL, output: URL, threads: Int) -> PreprocessOptions {
        var p = PreprocessOptions(rawData: rawData, output: output)
        p.inputType = inputType
        p.standardizedChannels = standardizedChannels
        p.labelType = labelType
        p.size = size
        p.chunkLength = chunkLength
        p.threads = threads
        return p
    }

    /// What the preprocess step's banner says.
    var description: String {
        let type = standardizedChannels ? "DiffNormalized + Standardized (6 channels)" : inputType.toolboxName
        let labels = labelType.map { $0 != inputType ? ", \($0.toolboxName) labels" : "" } ?? ""
        return "face crop \(size)×\(size), \(type)\(labels), \(chunkLength)-frame chunks"
    }
}
