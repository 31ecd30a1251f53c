import ArgumentParser
import Foundation
import RPPG
import Workflow

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a PyTorch checkpoint of a zoo model to ONNX (FP32, BatchNorm folded, static shapes).")

    @Option(help: "The PyTorch checkpoint (.pth/.pt).")
    var checkpoint: String

    @Option(help: "auto (detect from the state-dict keys) or one of \(ZooArchitecture.allCases.map(\.rawValue).joined(separator: ", ")).")
    var model = "auto"

    @Option(help: "The ONNX file to write.")
    var output: String

    @Option(help: "ONNX opset, 13…21.")
    var opset = 13

    @Option(help: "Frames per clip (default: the architecture's).")
    var frames: Int?

    @Option(help: "Batch size of the static input shape.")
    var batch = 1

    func run() throws {
        try runReportingErrors {
            let result = try ExportModel.run(ExportOptions(
                checkpoint: URL(fileURLWithPath: checkpoint), output: URL(fileURLWithPath: output),
                model: model, opset: opset, frames: frames, batch: batch))
            print(result.text())
        }
    }
}
