import ArgumentParser
import Foundation
import Kernels
import TensorCore
import Workflow

/// `rppg`: the command-line tool. Each subcommand parses its flags and calls one library
/// function in `Workflow`; nothing else lives here.
@main
struct RPPGCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rppg",
        abstract: "Pure-Swift rPPG INT8 deployment workflow: preprocess, train, export, quantize, verify, deploy-check.",
        version: "0.1.0",
        subcommands: allSubcommands)

    static func main() {
        BLASCoreType.reexecIfNeeded()
        main(nil)
    }
}

/// Runs `body`, turning a ``UserFacingError`` into one clear line on stderr and its exit code.
func runReportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as UserFacingError {
        FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
        throw ExitCode(error.exitCode)
    }
}
