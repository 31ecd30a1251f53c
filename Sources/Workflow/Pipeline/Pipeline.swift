import Foundation
import NN
import ONNX
import Quantization
import RPPG
import TensorCore
import TorchIO

/// `rppg pipeline`: the whole INT8 deployment workflow in one command — (synth →) preprocess
/// (→ train) → calibrate → export → quantize → verify → deploy-check — on a work directory.
/// Without arguments it runs on the embedded default: the bundled TinyPulse checkpoint and a
/// synthetic UBFC-style dataset generated in the work directory (`model` picks another bundled one).
public enum Pipeline {
    /// Calibration clips the per-layer SQNR report is measured on (enough for a stable estimate).
    static let reportClips = 16

    public struct Options {
        public var workdir = URL(fileURLWithPath: "rppg-workdir")
        /// A processed dataset; when nil it is made from `rawData` or from synthetic data.
        public var data: URL?
        /// A raw UBFC-rPPG folder to preprocess.
        public var rawData: URL?
        /// A checkpoint; when nil: `workdir/checkpoints/best_model.pth` if present, else the bundled
        /// checkpoint of `model`.
        public var checkpoint: URL?
        /// The zoo model whose bundled checkpoint runs when no checkpoint is given (or that is
        /// trained when none is bundled).
        public var model: ZooArchitecture = BundledModel.defaultArchitecture
        public var force = false
        public var threads = Parallel.availableCores
        public var numSamples = 200
        public var seed: UInt64 = 0
        public var method: CalibrationMethod = .auto
        public var perChannel = true
        public var threshold = 2.0
        public var synthetic = Synthesize.workflowDefaults
        public var showProgress = true
        /// Epochs when the pipeline trains the model (no checkpoint bundled); nil: the model's
        /// ``PipelineRecipe`` (30 for TinyPulse, fewer for the big models).
        public var trainEpochs: Int?
        /// Clips `deploy-run` runs on the emulated Cortex-M55 when qemu-system-arm is installed (0: never).
        public var deviceClips = 2
        public init() {}
    }

    /// The pipeline's JSON summary (`workdir/pipeline.json`).
    public struct Summary: Codable {
        public var steps: [StepSummary]
        public var outputs: [String: String]
        public var acceptable: Bool
        public var fp32MAE: Double
        public var int8MAE: Double
        public var maeIncrease: Double
        /// The same per 128-frame clip (verify's per-clip scores; the verdict weighs both).
        public var clipFP32MAE: Double?
        public var clipINT8MAE: Double?
        public var clipMAEIncrease: Double?
        public var flashBytes: Int
        public var ramBytes: Int
        public var macs: Int
        public var warnings: [String]
        public var nextSteps: [String]
    }

    /// One step's record in the summary.
    public struct StepSummary: Codable {
        public var step: Int
        public var name: String
        public var seconds: Double
        public var skipped: Bool
        public var outputs: [String]
    }

    public struct PipelineError: UserFacingError {
        public let message: String
        public var description: String { message }
    }

    /// The zoo model `name` (`--model`), or an error listing the names.
    public static func architecture(named name: String) throws -> ZooArchitecture {
        guard let a = ZooArchitecture(rawValue: name.lowercased()) else {
            let names = ZooArchitecture.allCases.map(\.rawValue).joined(separator: ", ")
            throw PipelineError(message: "--model \(name) is not a zoo model; use one of \(names) (bundled checkpoints: "
                                + BundledModel.architectures.map(\.rawValue).joined(separator: ", ") + ").")
        }
        return a
    }

    /// Runs the workflow. `log` receives the banner and status lines (standard output in the CLI).
    public static func run(_ options: Options, log: @escaping (String) -> Void = { print($0) }) throws -> (Summary, VerifyReport, DeployReport) {
        let work = options.workdir.standardizedFileURL
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let paths = WorkdirPaths(work)
        var recipe = PipelineRecipe.of(options.model)
        if let e = options.trainEpochs {
            guard e >= 1 else { throw PipelineError(message: "--epochs \(e) must be at least 1") }
            if e != recipe.epochs { recipe.note = recipe.note.map { $0 + "; --epochs \(e) given" } }
            recipe.epochs = e
        }
        var warnings: [String] = []
        var steps: [StepRunner.Step] = []

        // Data: given, or preprocessed from a raw folder, or synthesised then preprocessed.
        let dataFile = options.data ?? paths.data
        if let data = options.data {
            guard FileManager.default.fileExists(atPath: data.path) else {
                throw PipelineError(message: "Data file \(data.path) not found. Make it with: rppg preprocess --dataset ubfc --raw-data DIR --output \(data.deletingLastPathComponent().path)")
            }
        } else {
            let raw = options.rawData ?? paths.raw
            if options.rawData == nil {
                steps.append(.init(
                    name: "synth", detail: "synthetic UBFC-style dataset (\(options.synthetic.subjects) subjects × \(Int(options.synthetic.seconds)) s) in \(paths.raw.path)",
                    inputs: { [] }, outputs: { files(under: paths.raw) },
                    run: { _ = try Synthesize.run(output: paths.raw, options: options.synthetic) }))
            } else if !FileManager.default.fileExists(atPath: raw.path) {
                throw PipelineError(message: "Raw data folder \(raw.path) not found; pass the UBFC-rPPG DATASET_2 folder (subject<N>/vid.avi, ground_truth.txt).")
            }
            steps.append(.init(
                name: "preprocess", detail: "\(recipe.description) (what \(options.model.rawValue) takes) → \(paths.data.path)",
                inputs: { files(under: raw) }, outputs: { [paths.data] },
                run: {
                    let p = recipe.preprocessOptions(rawData: raw, output: paths.data.deletingLastPathComponent(), threads: options.threads)
                    let result = try Preprocess.run(p)
                    warnings += result.warnings
                    if !result.skipped.isEmpty {
                        log("  skipped subjects: " + result.skipped.map { "\($0.subject) (\($0.reason))" }.joined(separator: "; "))
                    }
                }))
        }

        // Checkpoint: given, trained earlier in this workdir, or the bundled default.
        let checkpoint: URL
        if let given = options.checkpoint {
            guard FileManager.default.fileExists(atPath: given.path) else {
                throw PipelineError(message: "Checkpoint \(given.path) not found. Train one with: rppg train --data \(dataFile.path) --model \(options.model.rawValue) --output \(paths.checkpoints.path)")
            }
            checkpoint = given
        } else if FileManager.default.fileExists(atPath: paths.trained.path) {
            try checkTrainedModel(paths.trained, is: options.model)
            checkpoint = paths.trained
        } else if let bundled = BundledModel.url(options.model) {
            checkpoint = bundled
        } else {
            checkpoint = paths.trained
            if let note = recipe.note { warnings.append("\(note); train longer with rppg train for a real model") }
            steps.append(.init(
                name: "train", detail: "no checkpoint given and none bundled: train \(options.model.displayName) from scratch, "
                    + "\(recipe.epochs) epochs, batch \(recipe.batchSize), lr \(recipe.learningRate) → \(paths.trained.path)"
                    + (recipe.note.map { " (\($0))" } ?? ""),
                inputs: { [dataFile] }, outputs: { [paths.trained, paths.lastCheckpoint] },
                run: {
                    var t = TrainOptions(data: dataFile, model: options.model.rawValue, output: paths.checkpoints)
                    t.threads = options.threads
                    t.epochs = recipe.epochs
                    t.batchSize = recipe.batchSize
                    t.learningRate = recipe.learningRate
                    t.seed = options.seed
                    let result = try TrainStep.run(t) { event in
                        if case .epoch(let r) = event { log("  " + r.line(of: recipe.epochs)) }
                    }
                    log(String(format: "  best epoch %d, val MAE %.2f BPM per clip (mean-HR predictor %.2f BPM)",
                               result.bestEpoch, result.bestValidationMAE, result.meanPredictorMAE))
                }))
        }

        // The dataset is read once for calibrate and verify, and the quantize step takes the clips
        // the calibrate step wrote, as long as those files are unchanged (FileBacked).
        var dataset = FileBacked<ProcessedDataset>()
        var calibrationClips = FileBacked<Tensor>()
        func loadDataset() throws -> ProcessedDataset {
            if let d = dataset.value(for: dataFile) { return d }
            let d = try ProcessedDataset.load(dataFile)
            dataset.remember(d, for: dataFile)
            return d
        }
        steps.append(.init(
            name: "calibrate", detail: "\(options.numSamples) clips, seed \(options.seed) → \(paths.calibration.path)",
            inputs: { [dataFile, checkpoint] }, outputs: { [paths.calibration] },
            run: {
                // A file that is not a processed dataset still calibrates (verify reports it later).
                let s: CalibrationData.Summary
                if let d = try? loadDataset(), d.count > 0 {
                    // The checkpoint's training record keeps the subjects verify will score out of
                    // calibration (when the pipeline trained it on this file).
                    let all = Array(Set(d.subject.doubleValues().map { Int($0) })).sorted()
                    let choice = try CalibrationData.chooseSubjects(
                        data: dataFile, all: all, record: try CalibrationData.trainingRecord(ofModel: checkpoint), modelGiven: true)
                    log("  calibration subjects \(choice.subjects.map(String.init).joined(separator: ",")): \(choice.reason)")
                    s = try CalibrationData.calibrate(dataset: d, subjects: choice.subjects, output: paths.calibration,
                                                      numSamples: options.numSamples, seed: options.seed)
                } else {
                    s = try CalibrationData.calibrate(data: dataFile, output: paths.calibration, numSamples: options.numSamples, seed: options.seed)
                }
                calibrationClips.remember(s.clips, for: paths.calibration)
            }))
        steps.append(.init(
            name: "export", detail: "\(checkpoint.lastPathComponent) → FP32 ONNX (BatchNorm folded) \(paths.fp32.path)",
            inputs: { [checkpoint, dataFile] }, outputs: { [paths.fp32] },
            run: {
                // The clip length of the data verify scores (the model's default when it is unreadable).
                let t = (try? loadDataset()).flatMap { $0.clips.rank == 5 ? $0.clips.shape[2] : nil }
                let result = try ExportModel.run(ExportOptions(checkpoint: checkpoint, output: paths.fp32, frames: t))
                if let mae = result.metadata["val_mae"].flatMap(Double.init), mae > 10 {
                    let w = "Checkpoint validation MAE is \(String(format: "%.1f", mae)) BPM (> 10): quantization cannot fix an inaccurate model; retrain with rppg train."
                    warnings.append(w)
                    log("  warning: \(w)")
                }
            }))
        steps.append(.init(
            name: "quantize", detail: "\(options.method.rawValue) calibration, int8 \(options.perChannel ? "per-channel" : "per-tensor") weights, int8 activations → \(paths.int8.path)",
            inputs: { [paths.fp32, paths.calibration] }, outputs: { [paths.int8, paths.layerReport] },
            run: {
                var q = QuantizationOptions(method: options.method, perChannel: options.perChannel)
                q.threads = options.threads
                var o = QuantizeModel.Options(model: paths.fp32, calibration: paths.calibration, output: paths.int8,
                                              quantization: q, reportClips: Pipeline.reportClips)
                o.clips = calibrationClips.value(for: paths.calibration)
                let result = try QuantizeModel.run(o)
                try JSONOutput.write(result.layerReport, to: paths.layerReport.path)
                if let auto = result.auto {
                    let sqnr = { (name: String) in auto.configurations.first { $0.name == name }?.outputSQNRdB ?? .nan }
                    log(String(format: "  auto: %@ ranges, output SQNR %.2f dB on %d held-back clips (all-minmax %.2f dB)",
                               auto.chosen, sqnr(auto.chosen), auto.heldBackClips, sqnr("all minmax")))
                }
            }))
        var verifyReport: VerifyReport?
        steps.append(.init(
            name: "verify", detail: "FP32 vs INT8 heart rate per video and per clip (held-out subjects if this is the training file, else all), threshold \(options.threshold) BPM",
            inputs: { [dataFile, paths.fp32, paths.int8] }, outputs: { [paths.verifyJSON, paths.verifyHTML] },
            run: {
                var v = Verify.Options(data: dataFile, fp32: paths.fp32, int8: paths.int8)
                v.threshold = options.threshold
                v.threads = options.threads
                v.showProgress = options.showProgress
                v.dataset = try loadDataset()
                let report = try Verify.run(v)
                try JSONOutput.write(report, to: paths.verifyJSON.path)
                try AtomicFile.write(Data(report.html.utf8), to: paths.verifyHTML)
                log(report.text.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
                verifyReport = report
            }))
        var deployReport: DeployReport?
        steps.append(.init(
            name: "deploy-check", detail: "STM32N6: flash, RAM, MACs, NPU/CPU placement",
            inputs: { [paths.int8] }, outputs: { [paths.deployJSON, paths.deployText] },
            run: {
                let report = try DeployCheck.run(model: paths.int8)
                try JSONOutput.write(report, to: paths.deployJSON.path)
                try AtomicFile.write(Data(report.text.utf8), to: paths.deployText)
                deployReport = report
            }))

        if options.deviceClips > 0, options.model.inputLayout != .clips {
            warnings.append("deploy-run skipped: the firmware runs clip models only so far; \(options.model.rawValue) takes frames, "
                            + "and its attention (Div, Mul), Tanh\(options.model == .deepPhys ? "" : " and temporal shift (Slice, Concat)") "
                            + "have no device kernels yet (deploy-check places them)")
        } else if options.deviceClips > 0, (try? DeviceRun.qemu()) != nil {
            var blocked = false
            steps.append(.init(
                name: "deploy-run", detail: "the firmware on QEMU's Cortex-M55, compared with the host int8 engine",
                inputs: { [paths.int8, dataFile] }, outputs: { blocked ? [] : [paths.deviceJSON, paths.deviceText] },
                run: {
                    // A model with nodes the device runtime has no kernel for is reported, not failed.
                    let blockers = try Int8Executor(graph: try ONNXReader.read(paths.int8), threads: 1).deviceBlockers
                    if let first = blockers.first {
                        blocked = true
                        let w = "deploy-run skipped: the firmware cannot run \(blockers.count) node(s) of \(paths.int8.lastPathComponent) (first: \(first))"
                        warnings.append(w)
                        log("  " + w)
                        return
                    }
                    var o = DeviceRun.Options(model: paths.int8, data: dataFile)
                    o.clips = options.deviceClips
                    let report = try DeviceRun.run(o)
                    guard report.bitExact else {
                        throw PipelineError(message: "deploy-run: the firmware's outputs differ from the host int8 engine in "
                                            + "\(report.elementsCompared - report.elementsEqual) of \(report.elementsCompared) elements")
                    }
                    try JSONOutput.write(report, to: paths.deviceJSON.path)
                    try AtomicFile.write(Data(report.text.utf8), to: paths.deviceText)
                    log(report.text.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
                }))
        } else if options.deviceClips > 0 {
            warnings.append("deploy-run skipped: qemu-system-arm is not installed (Tools/bootstrap.sh installs it), "
                            + "so the firmware was not run on the emulated Cortex-M55")
        }

        var runner = StepRunner(workdir: work, force: options.force, log: log)
        try runner.run(steps)

        // Reports of skipped steps come from their files.
        let verify = try verifyReport ?? JSONOutput.decode(VerifyReport.self, from: Data(contentsOf: paths.verifyJSON))
        let deploy = try deployReport ?? JSONOutput.decode(DeployReport.self, from: Data(contentsOf: paths.deployJSON))
        let summary = Summary(
            steps: runner.records.map { .init(step: $0.step, name: $0.name, seconds: $0.seconds, skipped: $0.skipped, outputs: $0.outputs) },
            outputs: [
                "data": dataFile.path, "checkpoint": checkpoint.path, "calibration": paths.calibration.path,
                "fp32": paths.fp32.path, "int8": paths.int8.path, "verify_json": paths.verifyJSON.path,
                "verify_html": paths.verifyHTML.path, "deploy_check": paths.deployText.path,
                "manifest": work.appendingPathComponent("manifest.json").path,
            ].merging(FileManager.default.fileExists(atPath: paths.deviceText.path) ? ["deploy_run": paths.deviceText.path] : [:]) { a, _ in a },
            acceptable: verify.acceptable, fp32MAE: verify.fp32.mae, int8MAE: verify.int8.mae,
            maeIncrease: verify.maeIncrease, clipFP32MAE: verify.perClip?.fp32.mae, clipINT8MAE: verify.perClip?.int8.mae,
            clipMAEIncrease: verify.perClip?.maeIncrease, flashBytes: deploy.flashBytes, ramBytes: deploy.ramBytes, macs: deploy.macs,
            warnings: warnings,
            nextSteps: verify.acceptable
                ? ["Open \(paths.verifyHTML.path) in a browser for the charts.",
                   "Import \(paths.int8.path) into ST Edge AI Core / X-CUBE-AI (STM32N6) and compare with \(paths.deployText.path).",
                   "For real data: rppg pipeline --raw-data /path/to/UBFC-rPPG/DATASET_2 --checkpoint your_model.pth"]
                : Verify.remedies)
        try JSONOutput.write(summary, to: work.appendingPathComponent("pipeline.json").path)
        return (summary, verify, deploy)
    }

    /// A checkpoint this work directory's earlier run trained must be of the model asked for now.
    static func checkTrainedModel(_ url: URL, is model: ZooArchitecture) throws {
        let trained = (try? Checkpoint.load(url))?.root["config"]?["model"]?.stringValue
        guard let trained, trained != model.rawValue else { return }
        throw PipelineError(message: "\(url.path) was trained for \(trained), not \(model.rawValue), and its data were "
                            + "preprocessed for it: use another --workdir for --model \(model.rawValue), or pass --checkpoint.")
    }

    /// Every regular file under `folder`, sorted (inputs of preprocess, outputs of synth).
    static func files(under folder: URL) -> [URL] {
        guard let e = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey]) else { return [] }
        return e.compactMap { $0 as? URL }
            .filter { (try? $0.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true }
            .sorted { $0.path < $1.path }
    }
}

/// Where the pipeline puts each file inside the work directory.
struct WorkdirPaths {
    let raw, data, checkpoints, trained, lastCheckpoint, calibration, fp32, int8, layerReport: URL
    let verifyJSON, verifyHTML, deployJSON, deployText, deviceJSON, deviceText: URL

    init(_ work: URL) {
        raw = work.appendingPathComponent("raw")
        data = work.appendingPathComponent("data/ubfc_processed.pt")
        checkpoints = work.appendingPathComponent("checkpoints")
        trained = checkpoints.appendingPathComponent("best_model.pth")
        lastCheckpoint = checkpoints.appendingPathComponent("last_model.pth")
        calibration = work.appendingPathComponent("calibration_data.pt")
        fp32 = work.appendingPathComponent("models/rppg_fp32.onnx")
        int8 = work.appendingPathComponent("models/rppg_int8_qdq.onnx")
        layerReport = work.appendingPathComponent("models/rppg_int8_qdq.report.json")
        verifyJSON = work.appendingPathComponent("reports/verify.json")
        verifyHTML = work.appendingPathComponent("reports/verify.html")
        deployJSON = work.appendingPathComponent("reports/deploy_check.json")
        deployText = work.appendingPathComponent("reports/deploy_check.txt")
        deviceJSON = work.appendingPathComponent("reports/deploy_run.json")
        deviceText = work.appendingPathComponent("reports/deploy_run.txt")
    }
}
