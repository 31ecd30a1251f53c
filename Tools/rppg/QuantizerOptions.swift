import ArgumentParser
import Foundation
import Quantization
import TensorCore
import Workflow

/// The quantizer's options with ONNX Runtime's meanings, shared by `rppg quantize` and `rppg qat`
/// (QAT trains the graph that these options make, so it takes every one of them).
struct QuantizerOptions: ParsableArguments {
    @Option(help: "Calibration method: auto (per tensor, the best of minmax, percentile and a 2048-bin entropy search, judged on held-back clips), or ORT's minmax, percentile, entropy.")
    var method: String = "auto"

    @Flag(help: "Per-output-channel weight scales (default).")
    var perChannel = false

    @Flag(help: "One weight scale per tensor.")
    var perTensor = false

    @Option(help: "Activation type: int8 (default) or uint8.")
    var activationType: String = "int8"

    @Option(help: "Entropy method: histogram bins (ORT's 128 leaves one candidate, i.e. MinMax; e.g. 2048 for a real KL search).")
    var entropyBins: Int = 128

    @Option(parsing: .upToNextOption, help: "Nodes to leave in float (ORT's nodes_to_exclude); names as rppg inspect --onnx lists them.")
    var exclude: [String] = []

    @Option(parsing: .upToNextOption, help: "Activations to quantize as int16 (ORT's TensorQuantOverrides quant_type QInt16; the model is written at opset 21); names as rppg quantize --report lists them.")
    var int16: [String] = []

    @Flag(help: "Symmetric activation ranges, zero point 0 (ORT's ActivationSymmetric); Relu nodes stay.")
    var symmetricActivations = false

    @Option(help: "Symmetric int8 weights, zero point 0 (ORT's WeightSymmetric): true (default, as ORT for int8) or false (asymmetric per-tensor weights with --per-tensor; per-channel weights stay symmetric, as in ORT; the int8 engine runs such a Conv in float).")
    var weightSymmetric: Bool = true

    @Flag(help: "MinMax: mean of the per-clip minima and maxima (ORT's CalibMovingAverage).")
    var calibMovingAverage = false

    @Option(help: "JSON file of per-activation overrides in ORT's TensorQuantOverrides form: {\"tensor\": [{\"scale\": s, \"zero_point\": z}] or [{\"rmin\": a, \"rmax\": b, \"symmetric\": bool}]}, each optionally with \"quant_type\": \"QInt16\" (16-bit, as --int16).")
    var overrides: String?

    /// The options, checked; an overrides file is read here (its errors name it).
    func quantizationOptions(threads: Int) throws -> QuantizationOptions {
        guard let m = CalibrationMethod(rawValue: method) else {
            throw QuantizationError.unsupportedGraph("unknown --method '\(method)'; use \(CalibrationMethod.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard activationType == "int8" || activationType == "uint8" else {
            throw QuantizationError.unsupportedGraph("unknown --activation-type '\(activationType)'; use int8 or uint8")
        }
        guard !(perChannel && perTensor) else {
            throw QuantizationError.unsupportedGraph("--per-channel and --per-tensor exclude each other")
        }
        var options = QuantizationOptions(method: m, perChannel: !perTensor,
                                          activationType: activationType == "uint8" ? .uint8 : .int8,
                                          entropyBins: entropyBins, threads: threads)
        options.excludedNodes = Set(exclude)
        options.int16Activations = Set(int16)
        options.symmetricActivations = symmetricActivations
        options.weightSymmetric = weightSymmetric
        guard !calibMovingAverage || m == .minMax else {
            throw QuantizationError.unsupportedGraph("--calib-moving-average applies to --method minmax only (as in ORT)")
        }
        options.movingAverage = calibMovingAverage
        guard entropyBins >= options.entropyQuantizedBins else {
            throw QuantizationError.unsupportedGraph("--entropy-bins must be at least \(options.entropyQuantizedBins)")
        }
        if let overrides {
            try QuantizeModel.loadOverrides(URL(fileURLWithPath: overrides), activationType: options.activationType).apply(to: &options)
        }
        return options
    }
}
