import ArgumentParser
import Foundation
import Workflow

struct DeployRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deploy-run",
        abstract: "Build the firmware, run it on QEMU's Cortex-M55 on clips, and compare every output with the host int8 engine.",
        discussion: "Needs qemu-system-arm (Tools/bootstrap.sh installs it). Reports flash, RAM and instructions measured on the emulated core.")

    @Option(help: "INT8 QDQ ONNX model.") var model: String = "models/rppg_int8_qdq.onnx"
    @Option(help: "Clips (.pt): a tensor [N,3,T,H,W] or a dict with 'clips' (e.g. data/ubfc_processed.pt).") var data: String
    @Option(help: "How many clips to run on the emulated core.") var clips = 2
    @Option(help: "Keep the bundle and the run's files in this directory (default: a temporary one).") var output: String?
    @Option(help: "Seconds QEMU may run before the run is called hung.") var timeout = 900
    @Option(help: "Write the JSON report here ('-' for stdout).") var json: String?

    func run() throws {
        try runReportingErrors {
            var o = DeviceRun.Options(model: URL(fileURLWithPath: model), data: URL(fileURLWithPath: data))
            o.clips = clips
            o.output = output.map { URL(fileURLWithPath: $0) }
            o.timeoutSeconds = timeout
            let quiet = json == "-"
            let report = try DeviceRun.run(o, log: { if !quiet { print($0) } })
            if let json { try JSONOutput.write(report, to: json) }
            if !quiet { print(report.text) }
            guard report.bitExact else {
                throw DeviceRun.RunError(message: "the device outputs differ from the host int8 engine "
                                         + "(\(report.elementsCompared - report.elementsEqual) of \(report.elementsCompared) elements)")
            }
        }
    }
}
