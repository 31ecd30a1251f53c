import ArgumentParser
import Foundation
import Quantization
import TensorCore
import Workflow

struct PipelineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pipeline",
        abstract: "Run the whole workflow: (synth →) preprocess → calibrate → export → quantize → verify → deploy-check.",
        discussion: "Without arguments it runs on the embedded default: the bundled TinyPulse checkpoint and a synthetic UBFC-style dataset generated in the work directory. Exit code 3 when INT8 degrades the MAE by more than the threshold.")

    @Option(help: "Work directory for every output.") var workdir: String = "rppg-workdir"
    @Option(help: "A processed dataset (skips synth and preprocess).") var data: String?
    @Option(help: "A raw UBFC-rPPG folder to preprocess.") var rawData: String?
    @Option(help: "Checkpoint (default: workdir/checkpoints/best_model.pth, else the bundled checkpoint of --model).") var checkpoint: String?
    @Option(help: "Zoo model: tinypulse (default) and tinypulse2d (2-D, all of it on the STM32N6's NPU) run their bundled checkpoint when no --checkpoint is given; physnet, factorizephys, deepphys, tscan and efficientphys are preprocessed for and trained from scratch (shorter than rPPG-Toolbox's training; the log says how).")
    var model: String = BundledModel.defaultArchitecture.rawValue
    @Option(help: "Training epochs when the pipeline trains the model (default: 30 for tinypulse, fewer for the big models).")
    var epochs: Int?
    @Option(help: "Calibration clips.") var numSamples: Int = 200
    @Option(help: "Calibration method: auto (default), minmax, percentile, entropy.") var method: String = "auto"
    @Flag(inversion: .prefixedNo, help: "Per-channel weight quantization (the STM32N6 scheme).") var perChannel = true
    @Option(help: "Largest acceptable MAE increase, BPM.") var threshold: Double = 2.0
    @Option(help: "Seed for synthetic data and calibration sampling.") var seed: UInt64 = 0
    @Option(help: "Threads.") var threads: Int = Parallel.availableCores
    @Flag(help: "Recompute every step even when its outputs are current.") var force = false
    @Option(help: "Also write the pipeline's JSON summary here ('-' for stdout).") var json: String?

    func run() throws {
        var acceptable = true
        try runReportingErrors {
            guard let m = CalibrationMethod(rawValue: method) else {
                throw ValidationError("--method must be one of \(CalibrationMethod.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            var options = Pipeline.Options()
            options.model = try Pipeline.architecture(named: model)
            options.workdir = URL(fileURLWithPath: workdir)
            options.data = data.map { URL(fileURLWithPath: $0) }
            options.rawData = rawData.map { URL(fileURLWithPath: $0) }
            options.checkpoint = checkpoint.map { URL(fileURLWithPath: $0) }
            options.numSamples = numSamples
            options.trainEpochs = epochs
            options.method = m
            options.perChannel = perChannel
            options.threshold = threshold
            options.seed = seed
            options.synthetic.seed = seed
            options.threads = threads
            options.force = force
            let start = Date()
            let quiet = json == "-"
            let (summary, verify, deploy) = try Pipeline.run(options, log: { line in
                // Flushed at once: progress bars go to stderr and must not overtake the step banners.
                if !quiet { print(line); fflush(stdout) }
            })
            acceptable = summary.acceptable
            if !quiet {
                print("")
                print("================ Summary ================")
                for s in summary.steps {
                    print("  " + s.name.padding(toLength: 14, withPad: " ", startingAt: 0) + (s.skipped ? "skipped (up to date)" : String(format: "%.1f s", s.seconds)))
                }
                print("  " + "total".padding(toLength: 14, withPad: " ", startingAt: 0) + String(format: "%.1f s", Date().timeIntervalSince(start)))
                if let c = verify.perClip {
                    print(String(format: "  per clip:  FP32 MAE %.2f BPM, INT8 MAE %.2f BPM, increase %+.2f BPM (%d clips)",
                                 c.fp32.mae, c.int8.mae, c.maeIncrease, c.truthHR.count))
                }
                print(String(format: "  per video: FP32 MAE %.2f BPM, INT8 MAE %.2f BPM, increase %+.2f BPM (%d videos) → %@",
                             verify.fp32.mae, verify.int8.mae, verify.maeIncrease, verify.videos.count, verify.verdict))
                print("  STM32N6: flash \(deploy.flashBytes) B, RAM \(deploy.ramBytes) B, \(deploy.macs) MACs, \(deploy.deviations.count) deviation(s)")
                print("  Outputs:")
                for key in summary.outputs.keys.sorted() { print("    \(key): \(summary.outputs[key]!)") }
                for w in summary.warnings { print("  warning: \(w)") }
                print("  Next steps:")
                for n in summary.nextSteps { print("    - \(n)") }
            }
            if let json { try JSONOutput.write(summary, to: json) }
        }
        if !acceptable { throw ExitCode(Verify.degradationExitCode) }
    }
}
