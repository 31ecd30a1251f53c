import ArgumentParser
import Foundation
import Workflow

struct DeployBuildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deploy-build",
        abstract: "A Cortex-M55 firmware bundle for a QDQ model: the plan as C constants, the Embedded Swift int8 runtime, startup, linker script, build script.",
        discussion: "Build it with DIR/firmware/build.sh DIR and run it on QEMU with DIR/firmware/run.sh DIR (or use deploy-run). See docs/firmware.md.")

    @Option(help: "INT8 QDQ ONNX model.") var model: String = "models/rppg_int8_qdq.onnx"
    @Option(help: "Target core.") var target: String = "cortex-m55"
    @Option(help: "Bundle directory to write (replaced if it holds an earlier bundle).") var output: String
    @Option(help: "Write the JSON summary here ('-' for stdout).") var json: String?

    func run() throws {
        try runReportingErrors {
            let (_, _, s) = try FirmwareBundle.build(model: URL(fileURLWithPath: model), target: target,
                                                     output: URL(fileURLWithPath: output))
            if let json { try JSONOutput.write(s, to: json) }
            if json == "-" { return }
            print("firmware bundle for \(s.target): \(s.directory)")
            print("  \(s.ops) ops, \(s.macs) MACs per clip; plan \(s.planBytes) B (flash); arena \(s.arenaBytes) B "
                  + "(\(s.arenaBytesWithoutReuse) B without buffer reuse)")
            print("  input int8 \(s.inputShape), output int8 \(s.outputShape)")
            print("  build: \(s.directory)/firmware/build.sh \(s.directory); run on QEMU: \(s.directory)/firmware/run.sh \(s.directory)")
        }
    }
}
