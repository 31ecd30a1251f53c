import NN
import RPPG
import TensorCore
import TorchIO
import Training

/// The models `rppg train` builds: the model zoo's graphs, rebuilt for each batch size from the
/// trainer's current state dict (keys and order exactly PyTorch's), and how each takes a batch.
enum TrainModels {
    static func architecture(_ name: String) throws -> ZooArchitecture {
        guard let a = ZooArchitecture(rawValue: name) else {
            throw TrainError("--model \(name) is not one of \(ZooArchitecture.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return a
    }

    static func check(_ name: String) throws { _ = try architecture(name) }

    /// The frame sides the model trains at: the clip models' fixed one; for the frame models every
    /// side whose `final_dense_1` width the toolbox defines (36, 72, 96, 128).
    static func inputSizes(_ a: ZooArchitecture) -> [Int] {
        a.inputLayout == .clips ? [ModelZoo.inputSize(a)] : ModelZoo.frameModelSizes
    }

    static func parameterShapes(_ a: ZooArchitecture, size: Int) -> [(key: String, shape: [Int])] {
        ModelZoo.parameterShapes(a, inputSize: size)
    }

    static func graph(_ a: ZooArchitecture, initializers: [String: Tensor], batch: Int, frames: Int, size: Int) throws -> Graph {
        let dict = StateDict(ModelZoo.parameterShapes(a, inputSize: size).compactMap { key, _ in initializers[key].map { (key, $0) } })
        return try ModelZoo.graph(a, stateDict: dict, batch: batch, frames: frames, inputSize: size)
    }

    /// rPPG-Toolbox's loss for the model when `--loss` is not given: its DeepPhys, TS-CAN and
    /// EfficientPhys trainers use `MSELoss` on the per-frame labels, PhysNet's `Neg_Pearson`.
    static func defaultLoss(_ a: ZooArchitecture) -> LossKind {
        a.inputLayout == .clips ? .negativePearson : .meanSquaredError
    }

    /// How a batch of clips reaches the model: nil for clip models; frame rows (``FrameLayout``)
    /// for the frame models, with EfficientPhys's one extra frame per batch as its toolbox trainer.
    static func batchInput(_ a: ZooArchitecture) -> Trainer.BatchInput? {
        guard case .frames(_, let extra) = a.inputLayout else { return nil }
        return { clips, indices in FrameLayout.frames(fromClips: clips, indices: indices, extraFrame: extra) }
    }

    /// The trainer `rppg train` runs for `a`: its batch input, prediction batch size, and the
    /// parameters the graph binds folded (PhysFormer's CDC_T convs), trained as the state dict holds
    /// them so that every step, and every checkpoint, is the toolbox's.
    static func trainer(_ a: ZooArchitecture, initialState: [(key: String, tensor: Tensor)], configuration: TrainerConfiguration,
                        stepsPerEpoch: Int, frames: Int, size: Int) -> Trainer {
        let trainer = Trainer(initialState: initialState, configuration: configuration, stepsPerEpoch: stepsPerEpoch) { batch, inits in
            try graph(a, initializers: inits, batch: batch, frames: frames, size: size)
        }
        trainer.batchInput = batchInput(a)
        trainer.predictionBatchSize = predictionBatchSize(a)
        trainer.reparameterizations = ModelZoo.foldedWeights(a, shapes: initialState.map { ($0.key, $0.tensor.shape) })
            .mapValues { LinearReparameterization(forward: $0.fold, transpose: $0.transpose) }
        return trainer
    }

    /// Clips per prediction pass: EfficientPhys one at a time, so that its extra frame is the
    /// clip's own, as `rppg verify` (and the exported batch-1 model) runs it.
    static func predictionBatchSize(_ a: ZooArchitecture) -> Int? {
        if case .frames(_, true) = a.inputLayout { return 1 }
        return nil
    }
}
