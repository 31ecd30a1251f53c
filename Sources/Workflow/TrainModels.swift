import NN
import RPPG
import TensorCore
import TorchIO

/// The models `rppg train` builds: the model zoo's graphs, rebuilt for each batch size from the
/// trainer's current state dict (keys and order exactly PyTorch's).
enum TrainModels {
    static func architecture(_ name: String) throws -> ZooArchitecture {
        guard let a = ZooArchitecture(rawValue: name) else {
            throw TrainError("--model \(name) is not one of \(ZooArchitecture.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if let why = a.clipStepRefusal("train") { throw TrainError(why) }
        return a
    }

    static func check(_ name: String) throws { _ = try architecture(name) }

    static func inputSize(_ name: String) -> Int {
        (try? architecture(name)).map(ModelZoo.inputSize) ?? 0
    }

    static func parameterShapes(_ name: String) -> [(key: String, shape: [Int])] {
        (try? architecture(name)).map(ModelZoo.parameterShapes) ?? []
    }

    static func graph(_ name: String, initializers: [String: Tensor], batch: Int, frames: Int) throws -> Graph {
        let a = try architecture(name)
        let dict = StateDict(ModelZoo.parameterShapes(a).compactMap { key, _ in initializers[key].map { (key, $0) } })
        return try ModelZoo.graph(a, stateDict: dict, batch: batch, frames: frames)
    }
}
