import NN
import TensorCore

/// How activation ranges are chosen from the calibration data (ORT's `CalibrationMethod`).
public enum CalibrationMethod: String, CaseIterable, Sendable {
    /// Min and max over all clips (ORT's default).
    case minMax = "minmax"
    /// 99.999th percentile of a 2048-bin histogram of `|x|`.
    case percentile
    /// KL-divergence threshold search (TensorRT's method) over a signed histogram.
    case entropy
}

/// Options of ``QDQQuantizer``; the defaults are STM32N6's scheme and ORT's `quantize_static`
/// defaults (int8 per-channel symmetric weights, int8 asymmetric activations, MinMax).
public struct QuantizationOptions: Hashable, Sendable {
    public var method: CalibrationMethod
    /// Per output channel weight scales (Conv axis 0, ConvTranspose axis 1); per-tensor otherwise.
    public var perChannel: Bool
    /// `.int8` (default) or `.uint8` activations; weights are always int8 symmetric.
    public var activationType: DType
    /// Percentile method: the percentile (ORT: 99.999) and histogram bins (ORT: 2048).
    public var percentile: Double
    public var percentileBins: Int
    /// Entropy method: histogram bins and quantized bins. ORT's defaults (128, 128) leave a
    /// single candidate threshold (the MinMax range); raise `entropyBins` (e.g. 2048) for a real search.
    public var entropyBins: Int
    public var entropyQuantizedBins: Int
    /// Worker threads for the FP32 executor during calibration.
    public var threads: Int

    public init(method: CalibrationMethod = .minMax, perChannel: Bool = true, activationType: DType = .int8,
                percentile: Double = 99.999, percentileBins: Int = 2048,
                entropyBins: Int = 128, entropyQuantizedBins: Int = 128,
                threads: Int = Parallel.availableCores) {
        self.method = method
        self.perChannel = perChannel
        self.activationType = activationType
        self.percentile = percentile
        self.percentileBins = percentileBins
        self.entropyBins = entropyBins
        self.entropyQuantizedBins = entropyQuantizedBins
        self.threads = threads
    }
}

/// Errors of calibration and quantization.
public enum QuantizationError: UserFacingError, Equatable {
    case noCalibrationData
    case badCalibrationClip(index: Int, reason: String)
    case unsupportedGraph(String)

    public var description: String {
        switch self {
        case .noCalibrationData:
            return "no calibration clips: quantization needs at least one clip; pass a calibration file with clips (rppg calibrate makes one)."
        case .badCalibrationClip(let i, let reason):
            return "calibration clip \(i) is unusable: \(reason)."
        case .unsupportedGraph(let m):
            return "cannot quantize this graph: \(m)."
        }
    }
}
