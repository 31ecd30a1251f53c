import Foundation
import Kernels
import TensorCore

/// `rppg-bench layers [--threads N]`: whole conv layers (im2col/packing, GEMM, bias or
/// requantization included) and pooling layers of TinyPulse, PhysNet and FactorizePhys at their
/// real shapes (batch 1), FP32 against every int8 path, with the fraction of the measured peak.
enum LayersBenchmark {
    struct Conv {
        let name: String
        let cin: Int, cout: Int, input: [Int], kernel: [Int], stride: [Int], pads: [Int]
    }
    struct Pool {
        let name: String
        let channels: Int, input: [Int], kernel: [Int], isMax: Bool
    }

    static let convs: [Conv] = [
        Conv(name: "TinyPulse stem 3→8 1x5x5", cin: 3, cout: 8, input: [128, 36, 36], kernel: [1, 5, 5], stride: [1, 1, 1], pads: [0, 2, 2]),
        Conv(name: "TinyPulse block2 8→16 3³", cin: 8, cout: 16, input: [128, 18, 18], kernel: [3, 3, 3], stride: [1, 1, 1], pads: [1, 1, 1]),
        Conv(name: "TinyPulse block3 16→32 3³", cin: 16, cout: 32, input: [128, 9, 9], kernel: [3, 3, 3], stride: [1, 1, 1], pads: [1, 1, 1]),
        Conv(name: "PhysNet block1 3→16 1x5x5", cin: 3, cout: 16, input: [128, 72, 72], kernel: [1, 5, 5], stride: [1, 1, 1], pads: [0, 2, 2]),
        Conv(name: "PhysNet block2 16→32 3³", cin: 16, cout: 32, input: [128, 36, 36], kernel: [3, 3, 3], stride: [1, 1, 1], pads: [1, 1, 1]),
        Conv(name: "PhysNet block3 32→64 3³", cin: 32, cout: 64, input: [128, 36, 36], kernel: [3, 3, 3], stride: [1, 1, 1], pads: [1, 1, 1]),
        Conv(name: "PhysNet block4 64→64 3³", cin: 64, cout: 64, input: [64, 18, 18], kernel: [3, 3, 3], stride: [1, 1, 1], pads: [1, 1, 1]),
        Conv(name: "PhysNet block6 64→64 3³", cin: 64, cout: 64, input: [32, 9, 9], kernel: [3, 3, 3], stride: [1, 1, 1], pads: [1, 1, 1]),
        Conv(name: "FactorizePhys conv1 3→8 3³", cin: 3, cout: 8, input: [160, 72, 72], kernel: [3, 3, 3], stride: [1, 1, 1], pads: [1, 1, 1]),
        Conv(name: "FactorizePhys conv2 8→12 3³ s1x2x2", cin: 8, cout: 12, input: [160, 72, 72], kernel: [3, 3, 3], stride: [1, 2, 2], pads: [1, 0, 0]),
        Conv(name: "FactorizePhys conv3 12→12 3³", cin: 12, cout: 12, input: [160, 35, 35], kernel: [3, 3, 3], stride: [1, 1, 1], pads: [1, 0, 0]),
        Conv(name: "FactorizePhys conv5 12→16 3³ s1x2x2", cin: 12, cout: 16, input: [160, 31, 31], kernel: [3, 3, 3], stride: [1, 2, 2], pads: [1, 0, 0]),
    ]

    static let pools: [Pool] = [
        Pool(name: "TinyPulse AvgPool 1x2x2", channels: 8, input: [128, 36, 36], kernel: [1, 2, 2], isMax: false),
        Pool(name: "PhysNet MaxPool 1x2x2", channels: 16, input: [128, 72, 72], kernel: [1, 2, 2], isMax: true),
        Pool(name: "PhysNet MaxPool 2x2x2", channels: 64, input: [128, 36, 36], kernel: [2, 2, 2], isMax: true),
    ]

    static func run(_ args: [String]) throws {
        let threads = try BenchTiming.intOption("--threads", in: args, default: 1)
        let quick = args.contains("--smoke")
        BenchTiming.usesCPUTime = args.contains("--cpu-time")
        // `--only WORD`: the conv and pooling layers whose name contains WORD (e.g. PhysNet).
        let only = try BenchTiming.stringOption("--only", in: args)
        print("rppg-bench layers: threads=\(threads) \(Int8Dispatch.summary), OpenBLAS core \(BLAS.coreName)")
        let peaks = Peaks.measure()
        print(peaks.summary)
        // `--paths avx2,avx512vnni`: only those int8 columns (the FP32 columns follow RPPG_FP32_CONV).
        let named = try BenchTiming.stringOption("--paths", in: args)?.split(separator: ",").map(String.init)
        let paths = Int8Dispatch.supportedPaths.filter { $0 != .reference && (named?.contains($0.rawValue) ?? true) }
        print("\nconv layer (batch 1, [D,H,W] in)".padding(toLength: 52, withPad: " ", startingAt: 0)
              + "im2col GFLOPS direct GFLOPS" + paths.map { "\($0.rawValue) GOPS".leftPad(18) }.joined())
        var rng = BenchRandom()
        let selected = convs.filter { only == nil || $0.name.contains(only!) }
        for c in quick ? Array(convs.prefix(1)) : selected { convLine(c, threads: threads, paths: paths, peaks: peaks, rng: &rng) }
        print("\npooling layer (batch 1)".padding(toLength: 52, withPad: " ", startingAt: 0) + "fp32 Gelem/s   int8 Gelem/s (input elements)")
        for p in quick ? Array(pools.prefix(1)) : pools.filter({ only == nil || $0.name.contains(only!) }) { poolLine(p, rng: &rng) }
        print("(conv: im2col = im2col + OpenBLAS sgemm + bias; direct = FP32DirectConv (padding copy + micro-kernel"
              + " + bias), shown where it applies; int8 includes packing, GEMM and requantization; ratios are the"
              + " faster FP32 time / int8 time; % of peak is against peak × threads)")
    }

    static func convLine(_ c: Conv, threads: Int, paths: [Int8Path], peaks: Peaks, rng: inout BenchRandom) {
        let geo = ConvGeometry(batch: 1, inChannels: c.cin, outChannels: c.cout, groups: 1, inputSpatial: c.input,
                               kernel: c.kernel, stride: c.stride, padsBegin: c.pads, padsEnd: c.pads, dilation: [1, 1, 1])
        let ops = 2.0 * Double(geo.macs)
        let xf = (0..<(c.cin * geo.inputVolume)).map { _ in rng.float() }
        let wf = (0..<(c.cout * geo.patchSize)).map { _ in rng.float() }
        let bias = [Float](repeating: 0.1, count: c.cout)
        var yf = [Float](repeating: 0, count: c.cout * geo.outputVolume)
        var scratch = [Float](repeating: 0, count: max(1, threads * FP32Conv.scratchFloats(geo)))
        let tSgemm = BenchTiming.best {
            FP32Conv.conv(geo, x: xf, weight: wf, bias: bias, y: &yf, scratch: &scratch, threads: threads)
        }
        // The FP32 executor's choice: the direct convolution where it applies, else im2col + sgemm.
        var tf = tSgemm
        if FP32DirectConv.supports(geo) {
            let direct = FP32DirectConv(geo, weight: wf)
            var directScratch = [Float](repeating: 0, count: FP32DirectConv.scratchFloats(geo, threads: threads))
            tf = BenchTiming.best {
                direct.run(x: xf, bias: bias, y: &yf, activation: nil, scratch: &directScratch, threads: threads)
            }
        }
        var line = "\(c.name) \(c.input)".padding(toLength: 52, withPad: " ", startingAt: 0)
            + String(format: "%13.1f ", ops / tSgemm / 1e9)
            + (tf < tSgemm ? String(format: "%13.1f ", ops / tf / 1e9) : "            - ")
        var fractions: [String] = []
        if let p = peaks.fp32GFLOPS { fractions.append(String(format: "fp32 %.0f%% of FMA", 100 * ops / tf / 1e9 / (p * Double(threads)))) }
        let shape = Int8ConvShape(batch: 1, inChannels: c.cin, outChannels: c.cout, input: c.input, kernel: c.kernel,
                                  stride: c.stride, padsBegin: c.pads)
        let x = (0..<(c.cin * geo.inputVolume)).map { _ in Int8(truncatingIfNeeded: rng.int(256) - 128) }
        let w = (0..<(c.cout * shape.reduction)).map { _ in Int8(truncatingIfNeeded: rng.int(255) - 127) }
        let rq = Int8Requantization(multipliers: [Float](repeating: 0.0004, count: c.cout),
                                    bias: [Int32](repeating: 7, count: c.cout), outputZeroPoint: -3)
        var y = [Int8](repeating: 0, count: c.cout * geo.outputVolume)
        for path in paths {
            let conv = Int8Convolution(shape: shape, weights: w, requantization: rq, path: path, threads: threads)
            let t = BenchTiming.best { x.withUnsafeBufferPointer { conv.run(input: $0.baseAddress!, xZeroPoint: -5, output: &y) } }
            line += String(format: "%11.1f (%4.1fx)", ops / t / 1e9, tf / t)
            if path == .avx512VNNI, let p = peaks.vnniGOPS {
                fractions.append(String(format: "vnni %.0f%% of VNNI", 100 * ops / t / 1e9 / (p * Double(threads))))
            }
            if path == .avx2, let p = peaks.pairGOPS {
                fractions.append(String(format: "avx2 %.0f%% of vpmaddwd", 100 * ops / t / 1e9 / (p * Double(threads))))
            }
        }
        print(line + "  [" + fractions.joined(separator: ", ") + "]")
    }

    static func poolLine(_ p: Pool, rng: inout BenchRandom) {
        let g = PoolGeometry(planes: p.channels, inputSpatial: p.input, kernel: p.kernel, stride: p.kernel,
                             padsBegin: [0, 0, 0], padsEnd: [0, 0, 0], ceilMode: false)
        let elements = Double(p.channels * p.input.reduce(1, *))
        let xf = (0..<Int(elements)).map { _ in rng.float() }
        var yf = [Float](repeating: 0, count: p.channels * g.output.reduce(1, *))
        let tf = BenchTiming.best { FP32Pool.pool(g, isMax: p.isMax, countIncludePad: false, x: xf, y: &yf) }
        let s = Int8PoolShape(channels: p.channels, input: p.input, kernel: p.kernel, stride: p.kernel,
                              padsBegin: [0, 0, 0], output: g.output)
        let x = (0..<Int(elements)).map { _ in Int8(truncatingIfNeeded: rng.int(256) - 128) }
        var y = [Int8](repeating: 0, count: yf.count)
        let t = BenchTiming.best {
            x.withUnsafeBufferPointer { xp in
                if p.isMax {
                    Int8Pooling.max(s, input: xp.baseAddress!, output: &y)
                } else {
                    Int8Pooling.average(s, countIncludePad: false, input: xp.baseAddress!, xScale: 0.02, xZeroPoint: -4,
                                        yScale: 0.02, yZeroPoint: -4, output: &y)
                }
            }
        }
        print("\(p.name) \([p.channels] + p.input)".padding(toLength: 52, withPad: " ", startingAt: 0)
              + String(format: "%11.2f  %12.2f", elements / tf / 1e9, elements / t / 1e9))
    }
}

/// A small deterministic generator (LCG) so every run times the same data.
struct BenchRandom {
    var state: UInt64 = 1
    mutating func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 33 }
    mutating func int(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
    mutating func float() -> Float { Float(int(2000)) / 1000 - 1 }
}
