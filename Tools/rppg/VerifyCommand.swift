import ArgumentParser
import Foundation
import TensorCore
import Workflow

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Compare FP32 and INT8 heart-rate accuracy per video and per clip on subjects the model was not trained on (exit 3 when degradation is significant).")

    @Option(help: "Processed dataset (from rppg preprocess).") var data: String = "data/ubfc_processed.pt"
    @Option(help: "FP32 ONNX model.") var fp32: String = "models/rppg_fp32.onnx"
    @Option(help: "INT8 QDQ ONNX model.") var int8: String = "models/rppg_int8_qdq.onnx"
    @Option(help: "Largest acceptable MAE increase, BPM.") var threshold: Double = 2.0
    @Option(help: "Subjects to evaluate, comma-separated (overrides --split).") var subjects: String?
    @Option(help: "auto (the held-out subjects if the data file is the model's training file, by SHA-256, else all), heldout or all.")
    var split: String = "auto"
    @Option(help: "Calibration methods to compare in one run, comma-separated: minmax, percentile[:P], entropy[:BINS], auto.")
    var methods: String?
    @Option(help: "Calibration clips for --methods (default: calibration_data.pt or data/calibration.pt, as rppg calibrate writes).")
    var calibration: String?
    @Option(help: "INT8 engine: int8 (integer kernels) or fakequant.") var engine: String = "int8"
    @Option(help: "Write the JSON summary here ('-' for stdout).") var json: String?
    @Option(help: "Write the HTML report here.") var html: String?
    @Option(help: "Threads.") var threads: Int = Parallel.availableCores

    func run() throws {
        var report: VerifyReport!
        try runReportingErrors {
            var options = Verify.Options(data: URL(fileURLWithPath: data), fp32: URL(fileURLWithPath: fp32), int8: URL(fileURLWithPath: int8))
            options.threshold = threshold
            options.subjects = try subjects.map(parseSubjectList)
            guard let s = VerifySplit(rawValue: split.lowercased()) else {
                throw ValidationError("--split \(split) is not a split; use auto, heldout or all")
            }
            options.split = s
            options.methods = (methods ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            options.calibration = calibration.map { URL(fileURLWithPath: $0) }
            options.engine = engine
            options.threads = threads
            report = try Verify.run(options)
            if json != "-" { print(report.text) }
            if let json { try JSONOutput.write(report, to: json) }
            if let html { try AtomicFile.write(Data(report.html.utf8), to: URL(fileURLWithPath: html)) }
        }
        if !report.acceptable { throw ExitCode(Verify.degradationExitCode) }
    }
}

/// Parses "1,2,5" into subject numbers.
func parseSubjectList(_ text: String) throws -> [Int] {
    try text.split(separator: ",").map {
        guard let n = Int($0.trimmingCharacters(in: .whitespaces)) else {
            throw ValidationError("'\($0)' is not a subject number; use e.g. --subjects 1,3,8")
        }
        return n
    }
}
