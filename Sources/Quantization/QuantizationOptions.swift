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
    /// Per activation, the best of MinMax, Percentile and a 2048-bin Entropy search, judged on
    /// held-back calibration clips (``AutoCalibration``). Not an ORT method: ORT's stay selectable.
    case auto
}

/// Options of ``QDQQuantizer``; the defaults are STM32N6's scheme and ORT's `quantize_static`
/// defaults (int8 per-channel symmetric weights, int8 asymmetric activations, MinMax).
public struct QuantizationOptions: Hashable, Sendable {
    public var method: CalibrationMethod
    /// Per output channel weight scales (Conv axis 0, ConvTranspose axis 1); per-tensor otherwise.
    public var perChannel: Bool
    /// `.int8` (default) or `.uint8` activations; weights are always int8.
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
    /// Nodes left in float (ORT's `nodes_to_exclude`): they mark nothing, so a tensor gets Q/DQ
    /// only if another node quantizes it.
    public var excludedNodes: Set<String> = []
    /// Symmetric activation ranges, `[-absmax, absmax]` with zero point 0 (int8, levels ±127) or
    /// 128 (uint8) (ORT's `ActivationSymmetric`); Relu/Clip nodes then stay in the graph.
    public var symmetricActivations = false
    /// MinMax: the mean of the per-clip minima and maxima instead of the overall min and max
    /// (ORT's `CalibMovingAverage`, which `quantize_static` evaluates in one `compute_data` call).
    public var movingAverage = false
    /// Symmetric int8 weights, zero point 0 (ORT's `WeightSymmetric`, true by default for int8).
    /// False makes per-tensor weights asymmetric (min/max of the data, a zero point); per-channel
    /// weights stay symmetric, as in ORT, because one zero point must serve every channel. The
    /// int8 engine runs a Conv with asymmetric weights in float (DQ → Conv → Q), not in its kernels.
    public var weightSymmetric = true
    /// Activations quantized to int16 instead of the activation type (ORT's `TensorQuantOverrides`
    /// `quant_type: QInt16`): QDQ with int16 zero points, which needs opset 21. Tensors that
    /// share their parameters (pooling, reshapes after them) follow. The int8 engine runs them in
    /// its float fallback; the STM32N6 NPU takes int8 only (deploy-check says so).
    public var int16Activations: Set<String> = []
    /// Per-activation parameters or ranges given by the user (ORT's `TensorQuantOverrides`).
    public var overrides: [String: ActivationOverride] = [:]
    /// A graph input read only by ops that share their input's parameters (Transpose, Reshape,
    /// Slice, pooling: ``QDQRule/sharesInputParameters``) is quantized at the input, as ORT's
    /// `ForceQuantizeNoInputCheck` does for those ops. ORT's default leaves them in float (no
    /// producer marks a graph input), which puts the model's float → int8 boundary after them, on
    /// the host. A model whose input goes straight into a Conv (TinyPulse, PhysNet) is
    /// unaffected; false reproduces ORT's default for every graph.
    public var quantizeLayoutOnlyInputs = true

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

/// One activation's user-given quantization (an entry of ORT's `TensorQuantOverrides`).
public enum ActivationOverride: Hashable, Sendable {
    /// Scale and zero point as given (ORT's `scale` + `zero_point`).
    case parameters(scale: Float, zeroPoint: Int32)
    /// A range replacing the calibrated one on the sides given, and the symmetry to use
    /// (ORT's `rmin`, `rmax`, `symmetric`).
    case range(min: Float?, max: Float?, symmetric: Bool?)
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
