import ArgumentParser
import Foundation
import Workflow

struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "List the model zoo: parameters, MACs per clip, input, and the share of MACs an STM32N6 runs on its NPU.")

    @Flag(help: "Print the list as JSON (one object per model).")
    var json = false

    func run() throws {
        try runReportingErrors {
            let entries = try ZooCatalog.all()
            print(json ? String(decoding: try JSONOutput.encode(entries), as: UTF8.self) : ZooCatalog.text(entries))
        }
    }
}
