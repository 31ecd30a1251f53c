import Foundation
import Kernels
import RPPG
import TensorCore
import TorchIO
import Training

/// `rppg-bench train`: training steps of a zoo model in Swift (``Trainer``) and in PyTorch
/// (`Tools/bench_train_pytorch.py`, run as a subprocess) on the same clips, labels, initial
/// weights, batch order, batch size and thread count; prints ms per step, the epoch's wall time
/// and the Swift/PyTorch ratio.
///
///     rppg-bench train [--model tinypulse|physnet|all] [--threads N] [--steps K] [--batch B]
///                      [--frames T] [--no-pytorch] [--losses] [--work DIR]
///
/// One "epoch" here is `K` steps over `K·B` seeded random clips (sinusoid labels), Adam +
/// OneCycle over those steps, Neg-Pearson loss: the recipe of `rppg train` without validation.
/// Step 1 includes one-time work (graph building, first-touch of buffers), so the per-step
/// figure is the median of steps 2…K; the epoch figure is the wall time of all K.
/// `--losses` prints every step's loss on both sides (same weights and batches, so they agree
/// to float rounding), which is also how a kernel change is checked not to move the curve.
enum TrainBenchmark {
    struct Config {
        var models: [ZooArchitecture] = [.tinyPulse, .physNet]
        var threads: [Int] = [1, 2]
        var steps: Int?
        var batch = 4
        var frames: Int?
        var pytorch = true
        var losses = false
        var work = URL(fileURLWithPath: ProcessInfo.processInfo.environment["BENCH_WORK"] ?? "/tmp/rppg-bench-work")
    }

    struct Run {
        var stepMilliseconds: [Double]
        /// Process CPU ms of each step (user + system): on a shared machine, what a 1-thread step
        /// costs regardless of other load; with more threads, the work summed over them.
        var stepCPUMilliseconds: [Double]
        var epochSeconds: Double
        var losses: [Double]
        var medianStep: Double { Self.median(stepMilliseconds) }
        var medianCPU: Double { Self.median(stepCPUMilliseconds) }
        /// Median of steps 2… (step 1 builds the graph and first-touches buffers).
        static func median(_ v: [Double]) -> Double {
            let s = Array(v.dropFirst(v.count > 1 ? 1 : 0)).sorted()
            return s[s.count / 2]
        }
    }

    static func parse(_ args: [String]) throws -> Config {
        var c = Config()
        func value(_ name: String) throws -> String? { try BenchTiming.stringOption(name, in: args) }
        if let m = try value("--model"), m != "all" {
            c.models = try m.split(separator: ",").map {
                guard let a = ZooArchitecture(rawValue: String($0)), a != .factorizePhys else {
                    throw BenchError("--model \($0) is not tinypulse, physnet or all")
                }
                return a
            }
        }
        if args.contains("--threads") { c.threads = [try BenchTiming.intOption("--threads", in: args, default: 1)] }
        if args.contains("--steps") { c.steps = try BenchTiming.intOption("--steps", in: args, default: 1) }
        if args.contains("--frames") { c.frames = try BenchTiming.intOption("--frames", in: args, default: 1) }
        c.batch = try BenchTiming.intOption("--batch", in: args, default: 4)
        c.pytorch = !args.contains("--no-pytorch")
        c.losses = args.contains("--losses")
        if let w = try value("--work") { c.work = URL(fileURLWithPath: w) }
        return c
    }

    static func run(_ args: [String]) throws {
        let c = try parse(args)
        try FileManager.default.createDirectory(at: c.work, withIntermediateDirectories: true)
        print("rppg-bench train: cores=\(Parallel.availableCores) \(cpuName()), FP32 conv path \(FP32DirectConv.path?.rawValue ?? "sgemm"), OpenBLAS core \(BLAS.coreName), batch \(c.batch)")
        print("model       thr  steps  swift ms/step  torch ms/step  ratio   swift epoch s  torch epoch s  ratio   swift cpu ms/step  torch cpu ms/step  ratio")
        for model in c.models {
            let steps = c.steps ?? (model == .tinyPulse ? 10 : 3)
            let frames = c.frames ?? ModelZoo.defaultFrames(model)
            let size = ModelZoo.inputSize(model)
            let count = steps * c.batch
            let clips = ModelsBenchmark.randomTensor([count, 3, frames, size, size], seed: 11)
            let labels = sinusoidLabels(count: count, frames: frames)
            let initial = ParameterInitialization.pytorchDefaults(ModelZoo.parameterShapes(model), seed: 0)
            let files = try writeInputs(model, c, clips: clips, labels: labels, initial: initial)
            for threads in c.threads {
                let (swift, order) = try trainSwift(model, c, threads: threads, steps: steps, frames: frames,
                                                    clips: clips, labels: labels, initial: initial)
                let torch = c.pytorch ? try trainPyTorch(model, c, threads: threads, frames: frames, size: size,
                                                        count: count, order: order, files: files) : nil
                report(model, threads, steps, swift, torch, c)
            }
        }
    }

    static func trainSwift(_ model: ZooArchitecture, _ c: Config, threads: Int, steps: Int, frames: Int,
                           clips: Tensor, labels: Tensor, initial: [(key: String, tensor: Tensor)]) throws -> (Run, [Int]) {
        var config = TrainerConfiguration()
        config.batchSize = c.batch
        config.epochs = 1
        config.threads = threads
        let trainer = Trainer(initialState: initial, configuration: config, stepsPerEpoch: steps) { batch, inits in
            let dict = StateDict(ModelZoo.parameterShapes(model).compactMap { key, _ in inits[key].map { (key, $0) } })
            return try ModelZoo.graph(model, stateDict: dict, batch: batch, frames: frames)
        }
        let indices = Array(0..<(steps * c.batch))
        var times: [Double] = [], cpu: [Double] = []
        var losses: [Double] = []
        let start = DispatchTime.now().uptimeNanoseconds
        var last = start, lastCPU = ModelsBenchmark.cpuSeconds()
        _ = try trainer.trainEpoch(clips: clips, labels: labels, indices: indices, epoch: 1) { done, _, mean in
            let now = DispatchTime.now().uptimeNanoseconds, nowCPU = ModelsBenchmark.cpuSeconds()
            times.append(Double(now - last) * 1e-6)
            cpu.append((nowCPU - lastCPU) * 1e3)
            (last, lastCPU) = (now, nowCPU)
            // The callback gives the running mean; recover this step's loss from it.
            losses.append(mean * Double(done) - losses.reduce(0, +))
        }
        let epoch = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
        return (Run(stepMilliseconds: times, stepCPUMilliseconds: cpu, epochSeconds: epoch, losses: losses),
                trainer.shuffled(indices, epoch: 1))
    }

    /// Clips, labels and initial state dict as files the PyTorch script reads.
    static func writeInputs(_ model: ZooArchitecture, _ c: Config, clips: Tensor, labels: Tensor,
                            initial: [(key: String, tensor: Tensor)]) throws -> [String: URL] {
        let files = ["clips": c.work.appendingPathComponent("train_\(model.rawValue)_clips.f32"),
                     "labels": c.work.appendingPathComponent("train_\(model.rawValue)_labels.f32"),
                     "state": c.work.appendingPathComponent("train_\(model.rawValue)_init.pth")]
        guard c.pytorch else { return files }
        try AtomicFile.write(clips.withUnsafeBytes { Data($0) }, to: files["clips"]!)
        try AtomicFile.write(labels.withUnsafeBytes { Data($0) }, to: files["labels"]!)
        try TorchFile.save(StateDict(initial).pickleValue, to: files["state"]!)
        return files
    }

    static func trainPyTorch(_ model: ZooArchitecture, _ c: Config, threads: Int, frames: Int, size: Int, count: Int,
                             order: [Int], files: [String: URL]) throws -> Run {
        let script = URL(fileURLWithPath: ProcessInfo.processInfo.environment["RPPG_TOOLS"] ?? "Tools")
            .appendingPathComponent("bench_train_pytorch.py")
        guard FileManager.default.fileExists(atPath: script.path) else {
            throw BenchError("\(script.path) not found: run from the repository root or set RPPG_TOOLS (or pass --no-pytorch)")
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", script.path, "--model", model.rawValue, "--state", files["state"]!.path,
                       "--clips", files["clips"]!.path, "--labels", files["labels"]!.path,
                       "--shape", "\(count),3,\(frames),\(size),\(size)", "--order", order.map(String.init).joined(separator: ","),
                       "--threads", String(threads), "--batch", String(c.batch)]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        guard p.terminationStatus == 0,
              let line = out.split(separator: "\n").last(where: { $0.hasPrefix("RESULT ") }),
              let json = try JSONSerialization.jsonObject(with: Data(line.dropFirst(7).utf8)) as? [String: Any],
              let steps = json["step_ms"] as? [Double], let cpu = json["step_cpu_ms"] as? [Double],
              let epoch = json["epoch_s"] as? Double, let losses = json["losses"] as? [Double]
        else { throw BenchError("bench_train_pytorch.py failed (status \(p.terminationStatus)):\n\(out)") }
        return Run(stepMilliseconds: steps, stepCPUMilliseconds: cpu, epochSeconds: epoch, losses: losses)
    }

    static func report(_ model: ZooArchitecture, _ threads: Int, _ steps: Int, _ swift: Run, _ torch: Run?, _ c: Config) {
        let name = model.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0)
        var line = name + String(format: " %3d %6d %14.1f", threads, steps, swift.medianStep)
        if let torch {
            line += String(format: " %14.1f %6.2f", torch.medianStep, swift.medianStep / torch.medianStep)
        } else {
            line += "              -      -"
        }
        line += String(format: " %15.2f", swift.epochSeconds)
        if let torch { line += String(format: " %14.2f %6.2f", torch.epochSeconds, swift.epochSeconds / torch.epochSeconds) }
        line += String(format: " %19.1f", swift.medianCPU)
        if let torch { line += String(format: " %18.1f %6.2f", torch.medianCPU, swift.medianCPU / torch.medianCPU) }
        print(line)
        if c.losses {
            print("  swift losses: " + swift.losses.map { String(format: "%.9g", $0) }.joined(separator: " "))
            if let torch { print("  torch losses: " + torch.losses.map { String(format: "%.9g", $0) }.joined(separator: " ")) }
        }
        fflush(stdout)
    }

    /// One sinusoid per clip (0.8–2.5 Hz at 30 fps, seeded phase), so Neg-Pearson is well defined.
    static func sinusoidLabels(count: Int, frames: Int) -> Tensor {
        var values: [Float] = []
        for n in 0..<count {
            let f = 0.8 + 1.7 * Float(n % 7) / 6, phase = Float(n) * 0.9
            for t in 0..<frames { values.append(sinf(2 * .pi * f * Float(t) / 30 + phase)) }
        }
        return Tensor(shape: [count, frames], scalars: values)
    }

    /// The CPU's model name from /proc/cpuinfo (Linux), for the header beside every figure.
    static func cpuName() -> String {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
              let colon = line.firstIndex(of: ":") else { return "unknown CPU" }
        return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }
}
