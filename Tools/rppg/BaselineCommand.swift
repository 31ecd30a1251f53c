import ArgumentParser
import Foundation
import RPPG
import TensorCore
import Workflow

struct BaselineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "baseline",
        abstract:
            "Heart rate by an unsupervised method (POS, CHROM, GREEN) on a dataset, with MAE/RMSE/MAPE/Pearson/SNR."
    )

    @Option(help: "Method: pos, chrom or green.")
    var method: String = "pos"

    @Option(
        name: .customLong("raw-data"),
        help: "Dataset folder (UBFC-rPPG: subject<N>/vid.avi + ground_truth.txt).")
    var rawData: String

    @Option(help: "Dataset layout.")
    var dataset: String = "ubfc"

    @Option(name: .customLong("hr-method"), help: "Heart rate by fft or peak.")
    var hrMethod: String = "fft"

    @Option(name: .customLong("window"), help: "Evaluation window in seconds (default: whole video).")
    var windowSeconds: Double?

    @Option(help: "Write the report as JSON to this file.")
    var json: String?

    func run() throws {
        try runReportingErrors {
            guard let m = UnsupervisedMethod(rawValue: method.lowercased()) else {
                throw ValidationFailure(message: "Unknown method '\(method)'; use pos, chrom or green.")
            }
            guard let h = HRMethod(rawValue: hrMethod.lowercased()) else {
                throw ValidationFailure(message: "Unknown --hr-method '\(hrMethod)'; use fft or peak.")
            }
            if let w = windowSeconds, !(w > 0) {
                throw ValidationFailure(message: "--window must be a positive number of seconds, got \(w).")
            }
            var options = BaselineOptions(method: m, rawData: URL(fileURLWithPath: rawData), dataset: dataset)
            options.evaluation.method = h
            options.evaluation.windowSeconds = windowSeconds
            let report = try Baseline.run(options) { line in
                FileHandle.standardError.write(Data((line + "\n").utf8))
            }
            print(report.text())
            if let json { try AtomicFile.write(try report.json(), to: URL(fileURLWithPath: json)) }
        }
    }
}

/// A bad flag value, printed as one line.
private struct ValidationFailure: UserFacingError {
    var message: String
    var description: String { message }
}
