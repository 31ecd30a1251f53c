import ArgumentParser
import Foundation
import Workflow

struct BenchLoadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-load", abstract: "Time loading a PyTorch checkpoint (prints JSON).",
        shouldDisplay: false)

    @Argument(help: "A .pt/.pth file.")
    var file: String

    @Option(help: "Number of loads.")
    var repeats = 1

    func run() throws {
        try runReportingErrors {
            let r = try LoadBenchmark.run(URL(fileURLWithPath: file), repeats: repeats)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(r), as: UTF8.self))
        }
    }
}
