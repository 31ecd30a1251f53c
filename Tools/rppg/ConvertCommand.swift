import ArgumentParser
import Foundation
import Workflow

struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Re-save a PyTorch checkpoint (any format torch.load reads) as torch.save writes it today.",
        shouldDisplay: false)

    @Argument(help: "Input checkpoint (.pt/.pth, zip or legacy).")
    var input: String

    @Argument(help: "Output file.")
    var output: String

    @Flag(help: "Write only the model's state dict, without a DataParallel 'module.' prefix.")
    var stateDictOnly = false

    func run() throws {
        try runReportingErrors {
            let r = try ConvertCheckpoint.run(
                input: URL(fileURLWithPath: input), output: URL(fileURLWithPath: output),
                stateDictOnly: stateDictOnly)
            print(
                "Wrote \(output): \(r.tensorCount) tensors"
                    + (r.strippedPrefix.map { ", prefix '\($0)' removed" } ?? ""))
        }
    }
}
