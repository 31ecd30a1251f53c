import ArgumentParser
import Foundation
import RPPG
import TensorCore
import Workflow

struct InferCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infer",
        abstract: "Run a model on clips (--input IN.pt holding [N,3,T,H,W] or {'input': ...}) or on a video (--video vid.avi); OUT.pt gets {'output': [N,T]}.",
        discussion: "The engine defaults to int8 (integer kernels) for a QDQ model and fp32 otherwise.")

    @Option(help: "PyTorch checkpoint (.pth) of a zoo model.")
    var checkpoint: String?

    @Option(help: "ONNX model (.onnx), FP32 or QDQ, to run instead of a checkpoint.")
    var onnx: String?

    @Option(help: "auto | \(ZooArchitecture.allCases.map(\.rawValue).joined(separator: " | "))")
    var model = "auto"

    @Option(help: "fp32 | int8 | fake-quant (default: int8 for a QDQ model, fp32 otherwise).")
    var engine: String?

    @Option(help: "Input clips (.pt).")
    var input: String?

    @Option(help: "A video (.avi) to crop, normalise and cut into the model's clips instead of --input.")
    var video: String?

    @Option(name: .customLong("input-type"), help: ArgumentHelp(
        "Transform of --video frames: diffnormalized | standardized | raw (default: the model's).",
        discussion: "A zoo model takes the toolbox's input type (DiffNormalized for TinyPulse, PhysNet and PhysFormer; "
            + "Raw for FactorizePhys and iBVPNet; DiffNormalized + Standardized for DeepPhys and TS-CAN; Standardized "
            + "for EfficientPhys); an ONNX file without a recorded architecture takes DiffNormalized."))
    var inputType: String?

    @Option(help: "Where to write {'output': tensor} (.pt).")
    var output: String

    @Option(help: "Worker threads.")
    var threads = Parallel.availableCores

    @Option(help: "Also write the JSON summary here ('-' for stdout, replacing the text).")
    var json: String?

    @Option(name: .customLong("repeat"), help: ArgumentHelp("Time this many forward passes after a warm-up and report the median.", visibility: .hidden))
    var repeat_ = 1

    func run() throws {
        try runReportingErrors {
            let result = try Infer.run(try options())
            if let json { try JSONOutput.write(result, to: json) }
            if json == "-" { return }
            for warning in result.warnings { print("warning: \(warning)") }
            print("model: \(result.modelDescription), engine \(result.engine.rawValue)")
            if !result.unusedKeys.isEmpty {
                print("unused checkpoint keys (not needed at inference): " + result.unusedKeys.joined(separator: ", "))
            }
            if let boxes = result.faceBoxes {
                print("face crop box (x, y, w, h): " + boxes.map { "\($0)" }.joined(separator: ", ")
                      + ((result.faceFallbacks ?? 0) > 0 ? " (no face found: whole frame)" : ""))
            }
            print("input \(result.inputShape) -> output \(result.outputShape) in "
                  + String(format: "%.4f", result.seconds) + " s"
                  + (result.repeats > 1 ? " (median of \(result.repeats) passes, \(result.threads) threads)" : "")
                  + "; wrote \(output)")
            if let hr = result.heartRate { print("heart rate: " + String(format: "%.1f", hr) + " BPM") }
        }
    }

    func options() throws -> InferOptions {
        let architecture: ZooArchitecture?
        if model == "auto" {
            architecture = nil
        } else if let a = ZooArchitecture(rawValue: model.lowercased()) {
            architecture = a
        } else {
            throw InferError(message: "--model \(model) is unknown; use auto, "
                             + ZooArchitecture.allCases.map(\.rawValue).joined(separator: ", ") + ".")
        }
        let source: InferModelSource
        switch (checkpoint, onnx) {
        case (let c?, nil): source = .checkpoint(URL(fileURLWithPath: c), architecture: architecture)
        case (nil, let o?): source = .onnx(URL(fileURLWithPath: o))
        default: throw InferError(message: "give exactly one of --checkpoint FILE.pth or --onnx FILE.onnx.")
        }
        let chosen: InferEngine?
        if let engine {
            guard let e = InferEngine(name: engine) else {
                throw InferError(message: "--engine \(engine) is unknown; use fp32, int8 or fake-quant.")
            }
            chosen = e
        } else {
            chosen = nil
        }
        let inferInput: InferInput
        switch (input, video) {
        case (let i?, nil): inferInput = .clips(URL(fileURLWithPath: i))
        case (nil, let v?):
            var type: InputType?
            if let inputType {
                guard let t = InputType(name: inputType) else {
                    throw InferError(message: "--input-type \(inputType) is unknown; use diffnormalized, standardized or raw.")
                }
                type = t
            }
            inferInput = .video(URL(fileURLWithPath: v), inputType: type)
        default: throw InferError(message: "give exactly one of --input CLIPS.pt or --video VIDEO.avi.")
        }
        return InferOptions(model: source, input: inferInput, output: URL(fileURLWithPath: output), engine: chosen,
                            threads: max(1, threads), repeats: repeat_)
    }
}
