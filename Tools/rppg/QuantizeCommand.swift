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

    @OptionGroup var quantizer: QuantizerOptions

    @Flag(help: "Print the per-layer SQNR report (measured on up to --report-clips clips) and the sensitivity ranking (each layer quantized alone, ranked by the heart-rate error it adds, on --sensitivity-clips clips); write them beside the output as <name>.report.json and <name>.sensitivity.json.")
    var report = false

    @Option(help: "Leave in float the K layers whose quantization alone costs the most heart-rate accuracy (the sensitivity ranking), and show what that costs in size and int8 speed.")
    var autoExclude: Int = 0

    @Option(help: "Where --auto-exclude puts those layers: float (ORT's nodes_to_exclude) or int16 (their activations 16-bit as --int16, weights int8: smaller than float, opset 21, off the NPU).")
    var autoExcludeAs: String = "float"

    @Option(help: "Calibration clips (spread over the file) the sensitivity ranking runs on.")
    var sensitivityClips: Int = 32

    @Option(help: "Frame rate of the clips, for the sensitivity ranking's heart rates.")
    var fps: Double = 30

    @Option(help: "Clips used by the per-layer report.")
    var reportClips: Int = 32

    @Option(help: "Worker threads.")
    var threads: Int = Parallel.availableCores

    func run() throws {
        try runReportingErrors {
            let options = try quantizer.quantizationOptions(threads: threads)
            guard autoExclude >= 0, sensitivityClips > 0, fps > 0 else {
                throw QuantizationError.unsupportedGraph("--auto-exclude must be 0 or more, --sensitivity-clips and --fps above 0")
            }
            guard let fallback = QuantizeSensitivity.Fallback(rawValue: autoExcludeAs) else {
                throw QuantizationError.unsupportedGraph("unknown --auto-exclude-as '\(autoExcludeAs)'; use float or int16")
            }
            var run = QuantizeModel.Options(model: URL(fileURLWithPath: model), calibration: URL(fileURLWithPath: calibration),
                                            output: URL(fileURLWithPath: output), quantization: options,
                                            reportClips: report ? reportClips : 0)
            run.sensitivityClips = report || autoExclude > 0 ? sensitivityClips : 0
            run.autoExclude = autoExclude
            run.autoExcludeAs = fallback
            run.signal = QuantizeSensitivity.Signal(fps: fps)
            let r = try QuantizeModel.run(run)
            print("Wrote \(output): \(r.quantizeNodes) QuantizeLinear, \(r.dequantizeNodes) DequantizeLinear; "
                  + "\(options.method.rawValue), \(options.perChannel ? "per-channel" : "per-tensor") weights, "
                  + "\(options.activationType.rawValue) activations, \(r.clipCount) calibration clips")
            if report {
                print(r.layerReport.text)
                let json = URL(fileURLWithPath: output).deletingPathExtension().appendingPathExtension("report.json")
                try JSONOutput.write(r.layerReport, to: json.path)
                print("Wrote \(json.path)")
            }
            if let sensitivity = r.sensitivity {
                print(sensitivity.text)
                if report {
                    let json = URL(fileURLWithPath: output).deletingPathExtension().appendingPathExtension("sensitivity.json")
                    try JSONOutput.write(sensitivity, to: json.path)
                    print("Wrote \(json.path)")
                }
            }
            if !report, let auto = r.auto {
                let chosen = auto.configurations.first { $0.name == auto.chosen }?.outputSQNRdB ?? .nan
                let minmax = auto.configurations.first { $0.name == "all minmax" }?.outputSQNRdB ?? .nan
                print(String(format: "auto: %@ ranges, output SQNR %.2f dB on %d held-back clip(s) (all-minmax %.2f dB); --report shows each tensor's choice",
                             auto.chosen, chosen, auto.heldBackClips, minmax))
            }
        }
    }
}
