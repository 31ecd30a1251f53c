import ArgumentParser
import Foundation
import Workflow

struct DeployCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deploy-check",
        abstract: "What an STM32N6 needs for a QDQ model: flash, RAM, MACs, NPU/CPU placement, deviations.")

    @Option(help: "INT8 QDQ ONNX model.") var model: String = "models/rppg_int8_qdq.onnx"
    @Option(help: "Target device.") var target: String = "stm32n6"
    @Option(help: "Write the JSON report here ('-' for stdout).") var json: String?

    func run() throws {
        try runReportingErrors {
            let report = try DeployCheck.run(model: URL(fileURLWithPath: model), target: target)
            if json != "-" { print(report.text) }
            if let json { try JSONOutput.write(report, to: json) }
        }
    }
}
