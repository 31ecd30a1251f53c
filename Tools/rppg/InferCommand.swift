import ArgumentParser
import Foundation
import RPPG
import TensorCore
import Workflow

struct InferCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infer",
        abstract: "Run a zoo model (FP32) on clips: IN.pt holds [N,3,T,H,W] (or {'input': ...}); OUT.pt gets {'output': [N,T]}.")

    @Option(help: "PyTorch checkpoint (.pth) of a zoo model.")
    var checkpoint: String?

    @Option(help: "ONNX model (.onnx) to run instead of a checkpoint (FP32 executor).")
    var onnx: String?

    @Option(help: "auto | tinypulse | physnet | factorizephys")
    var model = "auto"

    @Option(help: "Input clips (.pt).")
    var input: String

    @Option(help: "Where to write {'output': tensor} (.pt).")
    var output: String

    @Option(help: "Worker threads.")
    var threads = Parallel.availableCores

    @Option(name: .customLong("repeat"), help: ArgumentHelp("Time this many forward passes after a warm-up and report the median.", visibility: .hidden))
    var repeat_ = 1

    func run() throws {
        try runReportingErrors {
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
            let result = try Infer.run(InferOptions(
                model: source,
                input: URL(fileURLWithPath: input), output: URL(fileURLWithPath: output), threads: max(1, threads), repeats: repeat_))
            print("model: \(result.modelDescription)")
            if let unused = result.match?.unusedKeys, !unused.isEmpty {
                print("unused checkpoint keys (not needed at inference): " + unused.joined(separator: ", "))
            }
            print("input \(result.inputShape) -> output \(result.outputShape) in "
                  + String(format: "%.4f", result.seconds) + " s"
                  + (result.repeats > 1 ? " (median of \(result.repeats) passes, \(threads) threads)" : "")
                  + "; wrote \(output)")
        }
    }
}
