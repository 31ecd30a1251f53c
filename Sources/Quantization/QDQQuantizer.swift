import NN
import TensorCore

/// What ``QDQQuantizer/quantize(_:calibration:options:runner:reportClipLimit:)`` returns.
public struct QuantizationResult: Sendable {
    /// The QDQ graph, shaped like ORT's `quantize_static` output.
    public var graph: Graph
    /// Calibrated range of every observed tensor (before the Relu adjustment).
    public var ranges: [String: TensorRange]
    /// Per-layer SQNR against FP32.
    public var layerReport: LayerReport
    /// How `--method auto` chose each range (nil for the other methods).
    public var auto: AutoCalibrationReport?
}

/// Post-training static quantization to QDQ, as ONNX Runtime's `quantize_static` does it:
/// calibrate activation ranges with the FP32 executor, then insert Q/DQ (``QDQInsertion``).
public enum QDQQuantizer {
    /// Quantizes `fp32` (BatchNorm already folded, as PyTorch's export leaves it). Each element of
    /// `calibration` is one executor run (usually one `[1, 3, T, H, W]` clip). The per-layer report
    /// is measured on the first `reportClipLimit` clips (all when nil).
    public static func quantize(_ fp32: Graph, calibration: [Tensor], options: QuantizationOptions = QuantizationOptions(),
                                runner: @escaping FloatRunnerFactory, reportClipLimit: Int? = 32) throws -> QuantizationResult {
        try quantize(fp32, clipCount: calibration.count, clip: { calibration[$0] }, options: options,
                     runner: runner, reportClipLimit: reportClipLimit)
    }

    /// Same, with clips produced on demand (a view into a large tensor, a file…); `clip` may be
    /// called from several threads at once (clips are split over `options.threads` workers).
    /// `wholeGraph`: see ``Calibrator/ranges(_:clipCount:clip:options:runner:wholeGraph:)``.
    public static func quantize(_ fp32: Graph, clipCount: Int, clip: (Int) throws -> Tensor,
                                options: QuantizationOptions = QuantizationOptions(),
                                runner: @escaping FloatRunnerFactory, reportClipLimit: Int? = 32,
                                wholeGraph: FloatRunnerFactory? = nil) throws -> QuantizationResult {
        let (ranges, auto) = try Calibrator.calibrate(fp32, clipCount: clipCount, clip: clip, options: options,
                                                      runner: runner, wholeGraph: wholeGraph)
        let qdq = try QDQInsertion.apply(fp32, ranges: ranges, options: options)
        let report = try layerReport(fp32: fp32, qdq: qdq, clipCount: min(clipCount, reportClipLimit ?? clipCount),
                                     clip: clip, options: options, auto: auto, runner: runner, wholeGraph: wholeGraph)
        return QuantizationResult(graph: qdq, ranges: ranges, layerReport: report, auto: auto)
    }

    /// The per-layer report of `qdq` (``measureReport(fp32:qdq:clipCount:clip:runner:threads:wholeGraph:)``)
    /// with each tensor's calibration method filled in: `auto`'s choice, else `options.method`.
    public static func layerReport(fp32: Graph, qdq: Graph, clipCount: Int, clip: (Int) throws -> Tensor,
                                   options: QuantizationOptions, auto: AutoCalibrationReport?,
                                   runner: @escaping FloatRunnerFactory, wholeGraph: FloatRunnerFactory? = nil) throws -> LayerReport {
        var report = try measureReport(fp32: fp32, qdq: qdq, clipCount: clipCount, clip: clip, runner: runner,
                                       threads: options.threads, wholeGraph: wholeGraph)
        if let auto {
            report.auto = auto
            for k in report.layers.indices { report.layers[k].method = auto.method(of: report.layers[k].tensor) }
        } else {
            for k in report.layers.indices { report.layers[k].method = options.method.rawValue }
        }
        return report
    }
}
