import ArgumentParser
import Foundation
import Workflow

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show what a model file holds: format, structure, every tensor, parameter count, metadata.")

    @Argument(help: "A PyTorch checkpoint (.pt/.pth) or an ONNX model (.onnx).")
    var file: String

    @Flag(help: "Print the report as JSON (schema: docs/inspect-json.md).")
    var json = false

    func run() throws {
        try runReportingErrors {
            let url = URL(fileURLWithPath: file)
            if InspectONNX.handles(url) {
                let report = try InspectONNX.run(url)
                print(json ? try report.json() : report.text())
                return
            }
            let report = try Inspect.run(url)
            print(json ? try report.json() : report.text())
        }
    }
}
