import ArgumentParser
import Foundation
import Quantization
import TensorCore
import Training
import Workflow

/// `rppg qat`: quantization-aware fine-tuning of a checkpoint (issue 16).
struct QATCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "qat",
        abstract: "Fine-tune a checkpoint with int8 fake-quant in the loop; write a PyTorch checkpoint and the QDQ ONNX it trained.")

    @Option(help: "Float checkpoint (.pth) to start from.") var checkpoint: String = "checkpoints/best_model.pth"
    @Option(help: "Processed dataset (.pt) to fine-tune on (its training subjects; validation as rppg train).")
    var data: String = "data/ubfc_processed.pt"
    @Option(help: "Calibration clips (.pt); default: 200 clips of --data, sampled as rppg calibrate does.") var calibration: String?
    @Option(help: "Folder for qat_model.pth and rppg_int8_qat.onnx.") var output: String = "qat"
    @Option(help: "Epochs of fine-tuning (OneCycle schedule length).") var epochs: Int = 5
    @Option(name: .customLong("batch-size"), help: "Clips per optimizer step.") var batchSize: Int = 4
    @Option(help: "Peak learning rate (Adam, OneCycle).") var lr: Double = 1e-4
    @Flag(name: .customLong("learn-scales"),
          help: "Train the activation scales too (LSQ), starting from the calibrated ones; the trained scales are written.")
    var learnScales = false
    @Option(name: .customLong("scale-lr"), help: "With --learn-scales: each scale's step at the peak, as a fraction of its starting value.")
    var scaleLR: Double = 0.01
    /// The quantizer's options, as rppg quantize: QAT trains the graph they make (activation
    /// ranges fixed, or the starting point of --learn-scales).
    @OptionGroup var quantizer: QuantizerOptions
    @Option(name: .customLong("val-subjects"), help: "Comma-separated validation subjects (default: as rppg train).")
    var valSubjects: String?
    @Option(help: "Loss: neg_pearson or mse.") var loss: String = "neg_pearson"
    @Option(help: "Seed for shuffling.") var seed: UInt64 = 0
    @Option(help: "Worker threads (default: all cores).") var threads: Int = Parallel.availableCores

    func run() throws {
        try runReportingErrors {
            guard let lossKind = LossKind(rawValue: loss) else { throw QATError("--loss \(loss) is not neg_pearson or mse") }
            var o = QATOptions(checkpoint: URL(fileURLWithPath: checkpoint), data: URL(fileURLWithPath: data),
                               output: URL(fileURLWithPath: output))
            o.calibration = calibration.map { URL(fileURLWithPath: $0) }
            o.quantization = try quantizer.quantizationOptions(threads: threads)
            o.epochs = epochs
            o.batchSize = batchSize
            o.learningRate = lr
            o.learnScales = learnScales
            o.scaleLearningRate = scaleLR
            o.loss = lossKind
            o.seed = seed
            o.threads = threads
            if let valSubjects {
                let ids = valSubjects.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
                guard !ids.isEmpty, ids.count == valSubjects.split(separator: ",").count else {
                    throw QATError("--val-subjects \(valSubjects) is not a comma-separated list of subject numbers")
                }
                o.validationSubjects = ids
            }
            let result = try QATStep.run(o) { event in
                switch event {
                case .message(let text):
                    FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
                    print(text)
                    fflush(stdout)
                case .batch(let epoch, let done, let total, let l):
                    FileHandle.standardError.write(Data(String(format: "\repoch %d %d/%d loss %.4f", epoch, done, total, l).utf8))
                case .epoch:
                    break
                }
            }
            print(result.text())
        }
    }
}
