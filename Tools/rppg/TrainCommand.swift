import ArgumentParser
import Foundation
import RPPG
import TensorCore
import Training
import Workflow

/// `rppg train`: retrain a zoo model in Swift, no Python needed.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a zoo model on a processed dataset (subject-wise validation by heart rate; PyTorch-loadable checkpoints).")

    @Option(help: "Processed dataset (.pt) from rppg preprocess.") var data: String = "data/ubfc_processed.pt"
    @Option(help: "Model: \(ZooArchitecture.allCases.map(\.rawValue).joined(separator: ", "))." ) var model: String = "tinypulse"
    @Option(help: "Folder for best_model.pth and last_model.pth (the log goes to logs/ beside it).") var output: String = "checkpoints"
    @Option(help: "Epochs (OneCycle schedule length).") var epochs: Int = 30
    @Option(name: .customLong("batch-size"), help: "Clips per optimizer step.") var batchSize: Int = 4
    @Option(help: "Peak learning rate (Adam, OneCycle).") var lr: Double = 1e-3
    @Option(help: "Seed for initialisation, shuffling and dropout.") var seed: UInt64 = 0
    @Option(name: .customLong("val-subjects"), help: "Comma-separated validation subjects (default: last 20% by number).")
    var valSubjects: String?
    @Flag(help: "Resume from <output>/last_model.pth, optimizer state included.") var resume = false
    @Option(help: "Worker threads (default: all cores).") var threads: Int = Parallel.availableCores
    @Option(help: "Early-stopping patience in epochs.") var patience: Int = 10
    @Option(help: "Loss: neg_pearson or mse (default: the model's rPPG-Toolbox loss, mse for deepphys, tscan, efficientphys, else neg_pearson).")
    var loss: String?
    @Option(name: .customLong("clip-grad-norm"), help: "Clip the global gradient norm to this value.") var clipGradNorm: Double?

    func run() throws {
        try runReportingErrors {
            let lossKind = try loss.map { name in
                guard let kind = LossKind(rawValue: name) else { throw TrainError("--loss \(name) is not neg_pearson or mse") }
                return kind
            }
            var options = TrainOptions(data: URL(fileURLWithPath: data), model: model.lowercased(), output: URL(fileURLWithPath: output))
            options.epochs = epochs
            options.batchSize = batchSize
            options.learningRate = lr
            options.seed = seed
            options.resume = resume
            options.threads = threads
            options.patience = patience
            options.loss = lossKind
            options.maxGradientNorm = clipGradNorm
            if let valSubjects {
                let parts = valSubjects.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                let ids = parts.compactMap { Int($0) }
                guard ids.count == parts.count, !ids.isEmpty else {
                    throw TrainError("--val-subjects \(valSubjects) is not a comma-separated list of subject numbers")
                }
                options.validationSubjects = ids
            }
            let result = try TrainStep.run(options) { event in
                switch event {
                case .message(let m):
                    print(m)
                    fflush(stdout)
                case .epoch(let r):
                    FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
                    print(r.line(of: options.epochs))
                    fflush(stdout)  // one line per epoch, visible at once even when stdout is a file
                case .batch(let epoch, let done, let total, let l):
                    let width = 30
                    let filled = total > 0 ? width * done / total : width
                    let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
                    FileHandle.standardError.write(Data(String(format: "\repoch %d [%@] %d/%d loss %.4f", epoch, bar, done, total, l).utf8))
                }
            }
            print("best: \(result.bestCheckpoint.path) (epoch \(result.bestEpoch), val MAE \(String(format: "%.2f", result.bestValidationMAE)) BPM); last: \(result.lastCheckpoint.path); log: \(result.log.path)")
        }
    }
}
