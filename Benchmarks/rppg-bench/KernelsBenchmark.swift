import Foundation
import Kernels
import TensorCore

/// `rppg-bench kernels [--threads N]`: instruction peaks, int8 GEMM per dispatch path against
/// OpenBLAS sgemm on the conv-as-GEMM shapes of TinyPulse and PhysNet, requantization throughput.
enum KernelsBenchmark {
    struct Shape { let name: String; let m: Int; let k: Int; let n: Int }

    /// Conv layers as GEMMs (M = out channels, K = in·kernel volume, N = output positions) at
    /// T = 128; N is capped at 65 536 columns so the float copies stay small.
    static let shapes: [Shape] = [
        Shape(name: "TinyPulse stem 3→8 1x5x5 @36²", m: 8, k: 75, n: 65536),
        Shape(name: "TinyPulse block2 8→16 3³ @18²", m: 16, k: 216, n: 41472),
        Shape(name: "TinyPulse block3 16→32 3³ @9²", m: 32, k: 432, n: 10368),
        Shape(name: "PhysNet block1 3→16 1x5x5 @72²", m: 16, k: 75, n: 65536),
        Shape(name: "PhysNet block2 16→32 3³ @36²", m: 32, k: 432, n: 65536),
        Shape(name: "PhysNet block3 32→64 3³ @36²", m: 64, k: 864, n: 65536),
        Shape(name: "PhysNet block4 64→64 3³ @64x18²", m: 64, k: 1728, n: 20736),
        Shape(name: "PhysNet block6 64→64 3³ @32x9²", m: 64, k: 1728, n: 2592),
    ]

    static func run(_ args: [String]) throws {
        let threads = try BenchTiming.intOption("--threads", in: args, default: 1)
        BLAS.threadCount = threads
        print("rppg-bench kernels: threads=\(threads) \(Int8Dispatch.summary), OpenBLAS core \(BLAS.coreName)")
        // Peaks per core; the fractions printed below are against peak × threads.
        let peaks = Peaks.measure()
        print(peaks.summary)
        let vnniPeak = peaks.vnniGOPS, fmaPeak = peaks.fp32GFLOPS  // zmm where AVX-512 exists (SkylakeX sgemm uses it)
        let paths = Int8Dispatch.supportedPaths.filter { $0 != .reference }
        print("")
        print("GEMM (M×K×N)".padding(toLength: 44, withPad: " ", startingAt: 0)
              + "sgemm GFLOPS " + paths.map { "\($0.rawValue) GOPS".leftPad(16) }.joined())
        var rng = BenchRandom()
        for s in shapes {
            let w = (0..<(s.m * s.k)).map { _ in Int8(truncatingIfNeeded: rng.int(255) - 127) }
            let x = (0..<(s.k * s.n)).map { _ in Int8(truncatingIfNeeded: rng.int(256) - 128) }
            let wf = w.map { Float($0) }, xf = x.map { Float($0) }
            var cf = [Float](repeating: 0, count: s.m * s.n)
            var c = [Int32](repeating: 0, count: s.m * s.n)
            let ops = 2.0 * Double(s.m * s.k * s.n)
            let tf = BenchTiming.best {
                BLAS.sgemm(m: s.m, n: s.n, k: s.k, a: wf, lda: s.k, b: xf, ldb: s.n, c: &cf, ldc: s.n)
            }
            var line = "\(s.name) \(s.m)×\(s.k)×\(s.n)".padding(toLength: 44, withPad: " ", startingAt: 0)
                + String(format: "%12.1f ", ops / tf / 1e9)
            var vnniTime: Double?
            for path in paths {
                let plan = Int8GEMMPlan(weights: Int8PackedWeights(weights: w, m: s.m, k: s.k, path: path), n: s.n, threads: threads)
                let t = BenchTiming.best {
                    x.withUnsafeBufferPointer { plan.run(x: $0.baseAddress!, ldx: s.n, xZeroPoint: -3, c: &c, ldc: s.n) }
                }
                line += String(format: "%10.1f (%3.1fx)", ops / t / 1e9, tf / t)
                if path == .avx512VNNI { vnniTime = t }
            }
            var fractions: [String] = []
            if let p = fmaPeak { fractions.append(String(format: "sgemm %.0f%% of FMA peak", 100 * ops / tf / 1e9 / (p * Double(threads)))) }
            if let p = vnniPeak, let tv = vnniTime {
                fractions.append(String(format: "avx512vnni %.0f%% of VNNI peak", 100 * ops / tv / 1e9 / (p * Double(threads))))
            }
            print(line + (fractions.isEmpty ? "" : "  [" + fractions.joined(separator: ", ") + "]"))
        }
        // Requantization: Int32 accumulators → int8, per element.
        let count = 1 << 20
        var acc = (0..<count).map { _ in Int32(truncatingIfNeeded: rng.int(200_000) - 100_000) }
        var out = [Int8](repeating: 0, count: count)
        let rq = Int8Requantization(multipliers: [0.0007], bias: [12], outputZeroPoint: -5)
        let tr = BenchTiming.best { rq.apply(row: &acc, count: count, channel: 0, to: &out) }
        let tp = BenchTiming.best {
            rq.apply(row: &acc, count: count, channel: 0, accumulatorOffset: 0, path: Int8Dispatch.best, to: &out)
        }
        print(String(format: "\nrequantization: %.2f G elements/s scalar, %.2f G elements/s ", Double(count) / tr / 1e9,
                     Double(count) / tp / 1e9) + "\(Int8Dispatch.best) epilogue (1 thread, \(count) elements)")
        print("(ratios in parentheses: int8 GOPS / sgemm GFLOPS on the same shape; int8 time includes packing)")
    }
}

extension String {
    func leftPad(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
