import ArgumentParser
import Foundation
import Quantization
import TensorCore
import Workflow

struct QuantizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quantize",
        abstract: "Quantize an FP32 ONNX model to INT8 QDQ (ONNX Runtime quantize_static form) with calibration clips.")

    @Option(help: "FP32 ONNX model.")
    var model: String = "models/rppg_fp32.onnx"

    @Option(help: "Calibration clips: .pt with a float tensor [N,3,T,H,W] or a dict with 'clips'/'input'.")
    var calibration: String = "calibration_data.pt"

    @Option(help: "Output QDQ ONNX model.")
    var output: String = "models/rppg_int8_qdq.onnx"

    @Option(help: "Calibration method: minmax, percentile or entropy.")
    var method: String = "minmax"

    @Flag(help: "Per-output-channel weight scales (default).")
    var perChannel = false

    @Flag(help: "One weight scale per tensor.")
    var perTensor = false

    @Option(help: "Activation type: int8 (default) or uint8.")
    var activationType: String = "int8"

    @Option(help: "Entropy method: histogram bins (ORT's 128 leaves one candidate, i.e. MinMax; e.g. 2048 for a real KL search).")
    var entropyBins: Int = 128

    @Flag(help: "Print the per-layer SQNR report (measured on up to --report-clips clips).")
    var report = false

    @Option(help: "Clips used by the per-layer report.")
    var reportClips: Int = 32

    @Option(help: "Worker threads.")
    var threads: Int = Parallel.availableCores

    func run() throws {
        try runReportingErrors {
            guard let m = CalibrationMethod(rawValue: method) else {
                throw QuantizationError.unsupportedGraph("unknown --method '\(method)'; use minmax, percentile or entropy")
            }
            guard activationType == "int8" || activationType == "uint8" else {
                throw QuantizationError.unsupportedGraph("unknown --activation-type '\(activationType)'; use int8 or uint8")
            }
            guard !(perChannel && perTensor) else {
                throw QuantizationError.unsupportedGraph("--per-channel and --per-tensor exclude each other")
            }
            let options = QuantizationOptions(method: m, perChannel: !perTensor,
                                              activationType: activationType == "uint8" ? .uint8 : .int8,
                                              entropyBins: entropyBins, threads: threads)
            guard entropyBins >= options.entropyQuantizedBins else {
                throw QuantizationError.unsupportedGraph("--entropy-bins must be at least \(options.entropyQuantizedBins)")
            }
            let r = try QuantizeModel.run(
                QuantizeModel.Options(model: URL(fileURLWithPath: model), calibration: URL(fileURLWithPath: calibration),
                                      output: URL(fileURLWithPath: output), quantization: options,
                                      reportClips: report ? reportClips : 0))
            print("Wrote \(output): \(r.quantizeNodes) QuantizeLinear, \(r.dequantizeNodes) DequantizeLinear; "
                  + "\(m.rawValue), \(options.perChannel ? "per-channel" : "per-tensor") weights, "
                  + "\(options.activationType.rawValue) activations, \(r.clipCount) calibration clips")
            if report { print(r.layerReport.text) }
        }
    }
}
