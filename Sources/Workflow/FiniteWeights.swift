import Foundation
import TensorCore
import TorchIO

/// A checkpoint whose floating-point weights hold NaN or ±Inf (a diverged training run, a
/// corrupt download): exporting or running it would silently produce NaN heart rates.
public struct NonFiniteWeightsError: UserFacingError {
    public let path: String
    public let key: String
    public let nanCount: Int
    public let infCount: Int
    public var description: String {
        "\(path): weight '\(key)' holds \(nanCount) NaN and \(infCount) infinite values; the checkpoint is unusable (training diverged or the file is corrupt). Use an earlier checkpoint or retrain with a lower learning rate."
    }
}

/// Checks the weights of a loaded checkpoint before they are exported or run.
public enum FiniteWeights {
    /// Throws ``NonFiniteWeightsError`` for the first floating-point tensor of `stateDict` that
    /// holds a NaN or infinity. Integer tensors (BatchNorm counters) are skipped.
    public static func check(_ stateDict: StateDict, source: URL) throws {
        for (key, tensor) in stateDict.entries where tensor.dtype.isFloatingPoint {
            let values = tensor.toFloat32()
            var nan = 0
            var inf = 0
            values.withUnsafeBufferPointer(of: Float.self) { p in
                for v in p where !v.isFinite { if v.isNaN { nan += 1 } else { inf += 1 } }
            }
            if nan + inf > 0 {
                throw NonFiniteWeightsError(path: source.path, key: key, nanCount: nan, infCount: inf)
            }
        }
    }
}
