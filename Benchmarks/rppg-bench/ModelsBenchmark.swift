import Foundation
import Kernels
import NN
import ONNX
import Quantization
import RPPG
import TensorCore
import TorchIO
import Workflow

/// `rppg-bench models`: end-to-end per-clip latency (median, p90) and throughput of the project's
/// FP32 executor (zoo graph after `GraphPasses.optimizeForInference`) and int8 executor (QDQ graph
/// from `QDQQuantizer`, or `--int8-onnx`) for each zoo model, threads {1, all} × batch {1, 8}.
///
///     rppg-bench models [--model tinypulse|physnet|factorizephys|all] [--threads N] [--batch 1|8]
///                       [--iterations K] [--checkpoint M.pth] [--input clip.f32]
///                       [--int8-onnx Q.onnx] [--write-onnx DIR] [--smoke]
///
/// `--threads N` runs only N threads (default: 1 and all cores); `--batch B` only batch B
/// (default: 1 and 8). `--checkpoint` binds a PyTorch state dict (default: seeded random weights);
/// `--input` is one raw little-endian float32 clip in the model's input layout for batch 1
/// (`[1,3,T,H,W]`, or frames `[T(+1),C,H,W]` for DeepPhys, TS-CAN and EfficientPhys; default:
/// seeded random), repeated along the batch (`repeated`). `--write-onnx DIR` writes `<model>_b<B>_fp32.onnx`, `<model>_b<B>_int8.onnx`
/// and `<model>_input.f32` so `Tools/bench_anchors.py` runs ORT on the very same models and input.
/// Each result line is also printed as `RESULT {json}` for the anchor script.
enum ModelsBenchmark {
    struct Config {
        var models: [ZooArchitecture] = [.tinyPulse, .physNet]
        var threads: [Int] = [1, Parallel.availableCores]
        var batches: [Int] = [1, 8]
        var iterations: Int?
        var checkpoint: URL?
        var input: URL?
        var int8ONNX: URL?
        var writeONNX: URL?
        var smoke = false
    }

    static func parse(_ args: [String]) throws -> Config {
        var c = Config()
        func value(_ name: String) throws -> String? { try BenchTiming.stringOption(name, in: args) }
        if let m = try value("--model") {
            if m == "all" { c.models = ZooArchitecture.allCases } else {
                c.models = try m.split(separator: ",").map {
                    guard let a = ZooArchitecture(rawValue: String($0)) else {
                        throw BenchError("--model \($0) is not one of \(ZooArchitecture.allCases.map(\.rawValue)) or all")
                    }
                    return a
                }
            }
        }
        if args.contains("--threads") { c.threads = [try BenchTiming.intOption("--threads", in: args, default: 1)] }
        if args.contains("--batch") { c.batches = [try BenchTiming.intOption("--batch", in: args, default: 1)] }
        if args.contains("--iterations") { c.iterations = try BenchTiming.intOption("--iterations", in: args, default: 1) }
        c.checkpoint = try value("--checkpoint").map { URL(fileURLWithPath: $0) }
        c.input = try value("--input").map { URL(fileURLWithPath: $0) }
        c.int8ONNX = try value("--int8-onnx").map { URL(fileURLWithPath: $0) }
        c.writeONNX = try value("--write-onnx").map { URL(fileURLWithPath: $0) }
        c.smoke = args.contains("--smoke")
        if c.int8ONNX != nil && c.models.count != 1 { throw BenchError("--int8-onnx needs exactly one --model") }
        return c
    }

    static func run(_ args: [String]) throws {
        let c = try parse(args)
        print("rppg-bench models: cores=\(Parallel.availableCores) \(Int8Dispatch.summary), OpenBLAS core \(BLAS.coreName)\(c.smoke ? " (smoke: tiny shapes, 1 iteration)" : "")")
        print("model           prec  thr batch   median ms/clip   p90 ms/clip   clips/s  cpu ms/clip   runs  maxrss MB")
        if let dir = c.writeONNX { try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true) }
        for model in c.models {
            // Smoke: a few frames, the smallest spatial size the architecture accepts.
            // Frame models: one temporal-shift segment of frames, their smallest defined side.
            let isFrameModel = model.inputLayout != .clips
            let frames = c.smoke ? (isFrameModel ? ModelZoo.frameDepth : 8) : ModelZoo.defaultFrames(model)
            let smokeSize = [ZooArchitecture.tinyPulse: 8, .physNet: 16, .physFormer: ModelZoo.inputSize(.physFormer)][model]
                ?? (isFrameModel ? ModelZoo.frameModelSizes[0] : 72)
            let size = c.smoke ? smokeSize : ModelZoo.inputSize(model)
            let stateDict = try c.checkpoint.map { try Checkpoint.load($0).stateDict } ?? randomStateDict(model, size: size)
            let one = ModelZoo.inputShape(model, batch: 1, frames: frames, size: size)
            let clip = try c.input.map { try readClip($0, shape: one) } ?? randomTensor(one, seed: 7)
            if let dir = c.writeONNX {
                try AtomicFile.write(clip.withUnsafeBytes { Data($0) }, to: dir.appendingPathComponent("\(model.rawValue)_input.f32"))
            }
            for batch in c.batches {
                let input = repeated(clip, batch: batch, model: model)
                let fp32 = GraphPasses.optimizeForInference(
                    try ModelZoo.graph(model, stateDict: stateDict, batch: batch, frames: frames, inputSize: size))
                let qdq: Graph
                if let q = c.int8ONNX {
                    qdq = try ONNXReader.read(q)
                } else {
                    // A few seeded random calibration batches (the anchor script reuses this QDQ file).
                    let calibration = (0..<2).map { repeated(randomTensor(one, seed: UInt64(100 + $0)), batch: batch, model: model) }
                    qdq = try QDQQuantizer.quantize(fp32, calibration: calibration,
                                                    runner: FP32Runner.factory(threads: Parallel.availableCores),
                                                    reportClipLimit: 0).graph
                }
                if let dir = c.writeONNX {
                    try ONNXWriter.write(fp32, to: dir.appendingPathComponent("\(model.rawValue)_b\(batch)_fp32.onnx"),
                                         opset: QDQInsertion.requiredOpset(fp32))
                    try ONNXWriter.write(qdq, to: dir.appendingPathComponent("\(model.rawValue)_b\(batch)_int8.onnx"),
                                         opset: QDQInsertion.requiredOpset(qdq))
                }
                for threads in c.threads {
                    let f = try FP32Executor(graph: fp32, threads: threads)
                    report(model, "fp32", threads, batch, c, try time(c, model, batch) { _ = try f.run(input) })
                    // An architecture the int8 executor cannot lower yet is reported, not fatal.
                    let q: Int8Executor
                    do { q = try Int8Executor(graph: qdq, threads: threads) } catch {
                        print(model.rawValue.padding(toLength: 15, withPad: " ", startingAt: 0) + " int8  not run: \(error)")
                        continue
                    }
                    report(model, "int8", threads, batch, c, try time(c, model, batch) { _ = try q.run(input) })
                }
            }
        }
    }

    /// Wall and process-CPU seconds of each run (after one warm-up run). CPU time is what a
    /// single-threaded case costs regardless of other load on a shared machine.
    static func time(_ c: Config, _ model: ZooArchitecture, _ batch: Int, _ body: () throws -> Void) throws -> [(wall: Double, cpu: Double)] {
        try body()
        let n = c.smoke ? 1 : (c.iterations ?? (model == .tinyPulse ? 30 : max(3, 12 / batch)))
        return try (0..<n).map { _ in
            let cpu0 = cpuSeconds(), start = DispatchTime.now().uptimeNanoseconds
            try body()
            return (Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9, cpuSeconds() - cpu0)
        }
    }

    static func report(_ model: ZooArchitecture, _ precision: String, _ threads: Int, _ batch: Int, _ c: Config, _ runs: [(wall: Double, cpu: Double)]) {
        let s = runs.map(\.wall).sorted(), cpu = runs.map(\.cpu).sorted()
        let median = s[s.count / 2] / Double(batch), p90 = s[min(s.count - 1, Int((Double(s.count) * 0.9).rounded(.up)) - 1)] / Double(batch)
        let cpuMedian = cpu[cpu.count / 2] / Double(batch)
        let rss = maxRSSMegabytes()
        print(model.rawValue.padding(toLength: 15, withPad: " ", startingAt: 0) + " " + precision
              + String(format: "  %3d %5d %16.2f %13.2f %9.2f %12.2f %6d %10.0f", threads, batch, median * 1e3, p90 * 1e3, 1 / median, cpuMedian * 1e3, s.count, rss))
        let json = String(format: "{\"model\":\"%@\",\"precision\":\"%@\",\"threads\":%d,\"batch\":%d,\"median_ms\":%.4f,\"p90_ms\":%.4f,\"clips_per_s\":%.4f,\"cpu_ms\":%.4f,\"runs\":%d,\"maxrss_mb\":%.1f}",
                          model.rawValue, precision, threads, batch, median * 1e3, p90 * 1e3, 1 / median, cpuMedian * 1e3, s.count, rss)
        print("RESULT " + json)
        fflush(stdout)
    }

    /// User + system CPU seconds of this process so far.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1e-6
    }

    /// Peak resident set of this process so far (Linux reports kilobytes).
    static func maxRSSMegabytes() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Double(usage.ru_maxrss) / 1024
    }

    /// Seeded random weights of the zoo shapes; BatchNorm variances kept positive.
    /// Seeded random weights of `model` for frames of side `size` (the frame models' dense layer depends on it).
    static func randomStateDict(_ model: ZooArchitecture, size: Int) -> StateDict {
        var entries: [(key: String, tensor: Tensor)] = []
        for (i, (key, shape)) in ModelZoo.parameterShapes(model, inputSize: size).enumerated() {
            if key.hasSuffix("num_batches_tracked") {
                entries.append((key, Tensor(shape: shape, scalars: [Int64(0)])))
                continue
            }
            let fanIn = shape.count > 1 ? shape.dropFirst().reduce(1, *) : 1
            var t = randomTensor(shape, seed: UInt64(1000 + i), scale: Float(1 / Double(fanIn).squareRoot()))
            if key.hasSuffix("running_var") || (key.hasSuffix(".weight") && shape.count == 1) {
                t = Tensor(shape: shape, scalars: t.scalars(as: Float.self).map { 0.75 + abs($0) })
            }
            entries.append((key, t))
        }
        return StateDict(entries)
    }

    static func randomTensor(_ shape: [Int], seed: UInt64, scale: Float = 1) -> Tensor {
        var s = seed &* 0x9E3779B97F4A7C15 | 1
        let values = (0..<shape.reduce(1, *)).map { _ -> Float in
            s = s &* 6364136223846793005 &+ 1442695040888963407
            return (Float(s >> 40) / Float(1 << 24) * 2 - 1) * scale
        }
        return Tensor(shape: shape, scalars: values)
    }

    /// `batch` copies of one clip in the model's input layout: along dim 0 for clip models
    /// (`[1,3,T,S,S]` → `[B,3,T,S,S]`); for frame models the T frame rows `B` times, then the
    /// extra last frame once if the layout has one (`[T+1,C,S,S]` → `[B·T+1,C,S,S]`).
    /// `Tools/bench_anchors.py` (`batched`) builds the same tensor for ORT and PyTorch.
    static func repeated(_ clip: Tensor, batch: Int, model: ZooArchitecture) -> Tensor {
        guard batch > 1 else { return clip }
        let values = clip.scalars(as: Float.self)
        var shape = clip.shape
        let rowSize = values.count / shape[0]
        var extra = false
        if case .frames(_, let e) = model.inputLayout { extra = e }
        let clipRows = shape[0] - (extra ? 1 : 0)
        let rows = values[..<(clipRows * rowSize)]
        shape[0] = batch * clipRows + (extra ? 1 : 0)
        var out = Array([ArraySlice<Float>](repeating: rows, count: batch).joined())
        if extra { out += values[(clipRows * rowSize)...] }
        return Tensor(shape: shape, scalars: out)
    }

    static func readClip(_ url: URL, shape: [Int]) throws -> Tensor {
        let data = try Data(contentsOf: url)
        let count = shape.reduce(1, *)
        guard data.count == count * 4 else {
            throw BenchError("\(url.path): \(data.count) bytes, expected \(count * 4) (raw float32 \(shape))")
        }
        let values = data.withUnsafeBytes { raw in (0..<count).map { raw.loadUnaligned(fromByteOffset: $0 * 4, as: Float.self) } }
        return Tensor(shape: shape, scalars: values)
    }
}
