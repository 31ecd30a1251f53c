import ArgumentParser
import Foundation
import RPPG
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

    @Option(help: "The model to be verified (FP32 ONNX or checkpoint): on its training file, its validation subjects (those rppg verify scores) are left out.")
    var model: String?

    @Option(help: "Calibrate from these subjects only (comma-separated).")
    var subjects: String?

    @Option(help: "Leave these subjects out (comma-separated), e.g. the ones you will verify on.")
    var excludeSubjects: String?

    func run() throws {
        try runReportingErrors {
            let dataURL = URL(fileURLWithPath: data), outputURL = URL(fileURLWithPath: output)
            let given = try subjects.map { try Self.list($0, "--subjects") }
            let excluded = try excludeSubjects.map { try Self.list($0, "--exclude-subjects") } ?? []
            // A bare clip tensor has no subjects: with none of the subject options it still calibrates.
            let processed = try? ProcessedDataset.load(dataURL)
            if processed == nil && model == nil && given == nil && excluded.isEmpty {
                let s = try CalibrationData.calibrate(data: dataURL, output: outputURL, numSamples: numSamples, seed: seed)
                print("Wrote \(output): \(s.indices.count) of \(s.available) clips, each \(s.clipShape) (seed \(seed)); the file names no subjects")
                return
            }
            let dataset = try processed ?? ProcessedDataset.load(dataURL)
            let all = Array(Set(dataset.subject.doubleValues().map { Int($0) })).sorted()
            let record = try model.map { try CalibrationData.trainingRecord(ofModel: URL(fileURLWithPath: $0)) } ?? nil
            let choice = try CalibrationData.chooseSubjects(data: dataURL, all: all, record: record, modelGiven: model != nil,
                                                            given: given, excluded: excluded)
            let s = try CalibrationData.calibrate(dataset: dataset, subjects: choice.subjects, output: outputURL,
                                                  numSamples: numSamples, seed: seed)
            print("Wrote \(output): \(s.indices.count) of \(s.available) clips of subjects \(choice.subjects.map(String.init).joined(separator: ",")), each \(s.clipShape) (seed \(seed))")
            print("  subjects: \(choice.reason)")
            if let w = choice.warning { print("  warning: \(w)") }
        }
    }

    static func list(_ text: String, _ flag: String) throws -> [Int] {
        let items = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let numbers = items.compactMap { Int($0) }
        guard !items.isEmpty, numbers.count == items.count else {
            throw ValidationError("\(flag) '\(text)' is not a comma-separated list of subject numbers, e.g. 1,2,3")
        }
        return numbers
    }
}
