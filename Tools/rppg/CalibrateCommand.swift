import ArgumentParser
import Foundation
import Workflow

struct CalibrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calibrate",
        abstract: "Draw a seeded random sample of clips from a dataset file for INT8 calibration.")

    @Option(help: "Dataset file with clips (data/ubfc_processed.pt).")
    var data: String

    @Option(help: "Output file ({'clips', 'indices'}).")
    var output: String = "calibration_data.pt"

    @Option(help: "Number of clips (all when the dataset has fewer).")
    var numSamples: Int = 200

    @Option(help: "Random seed.")
    var seed: UInt64 = 0

    func run() throws {
        try runReportingErrors {
            let s = try CalibrationData.calibrate(data: URL(fileURLWithPath: data), output: URL(fileURLWithPath: output),
                                                  numSamples: numSamples, seed: seed)
            print("Wrote \(output): \(s.indices.count) of \(s.available) clips, each \(s.clipShape) (seed \(seed))")
        }
    }
}
