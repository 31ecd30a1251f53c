import RPPG
import TorchIO

extension ModelZoo {
    /// ``detect(_:)-(StateDict)`` on a whole checkpoint. Where the weights alone cannot tell the
    /// models apart (DeepPhys and TS-CAN share every key and shape), the model `rppg train` recorded
    /// in the checkpoint's `config` wins among those that fit, so that a DeepPhys trained here is
    /// exported, run and quantized as DeepPhys, not as TS-CAN with its temporal shift.
    static func detect(_ checkpoint: Checkpoint) throws -> ArchitectureMatch {
        var match = try detect(checkpoint.stateDict)
        if let name = checkpoint.root["config"]?["model"]?.stringValue,
           let recorded = ZooArchitecture(rawValue: name.lowercased()), match.alsoFits.contains(recorded) {
            match.alsoFits = [match.architecture] + match.alsoFits.filter { $0 != recorded }
            match.architecture = recorded
        }
        return match
    }
}
