import Kernels

/// Per-core instruction peaks, measured at start-up so every "% of peak" is against this
/// machine at this moment (turbo, load), not a datasheet figure.
struct Peaks {
    /// `vpdpbusd zmm` loop, int8 ops/s (2 per multiply-add); nil without AVX-512 VNNI.
    var vnniGOPS: Double?
    /// `vpmaddwd ymm` + `vpaddd` loop, int8 ops/s; the AVX2 int8 path's multiply peak.
    var pairGOPS: Double?
    /// `vfmadd ymm` loop, FLOP/s; nil without FMA.
    var fmaGFLOPS: Double?
    /// `vfmadd zmm` loop, FLOP/s; nil where the AVX-512 FP32 kernel does not run.
    var fma512GFLOPS: Double?

    /// The FP32 peak the project's own kernels can reach (zmm where they use it, else ymm).
    var fp32GFLOPS: Double? { fma512GFLOPS ?? fmaGFLOPS }

    static func measure() -> Peaks {
        let iterations = 2_000_000
        var peaks = Peaks()
        if Int8PeakProbe.vnni(iterations: 1000) != nil {
            var sink: Int32 = 0
            let t = BenchTiming.best(rounds: 3, minimum: 0.1) { sink &+= Int8PeakProbe.vnni(iterations: iterations)! }
            peaks.vnniGOPS = Double(iterations * Int8PeakProbe.vnniOpsPerIteration) / t / 1e9
            if sink == 42 { print("") }
        }
        if Int8PeakProbe.pairs(iterations: 1000) != nil {
            var sink: Int32 = 0
            let t = BenchTiming.best(rounds: 3, minimum: 0.1) { sink &+= Int8PeakProbe.pairs(iterations: iterations)! }
            peaks.pairGOPS = Double(iterations * Int8PeakProbe.pairOpsPerIteration) / t / 1e9
            if sink == 42 { print("") }
        }
        if Int8PeakProbe.fma(iterations: 1000) != nil {
            var sink: Float = 0
            let t = BenchTiming.best(rounds: 3, minimum: 0.1) { sink += Int8PeakProbe.fma(iterations: iterations)! }
            peaks.fmaGFLOPS = Double(iterations * Int8PeakProbe.fmaFlopsPerIteration) / t / 1e9
            if sink == 42 { print("") }
        }
        if Int8PeakProbe.fma512(iterations: 1000) != nil {
            var sink: Float = 0
            let t = BenchTiming.best(rounds: 3, minimum: 0.1) { sink += Int8PeakProbe.fma512(iterations: iterations)! }
            peaks.fma512GFLOPS = Double(iterations * Int8PeakProbe.fma512FlopsPerIteration) / t / 1e9
            if sink == 42 { print("") }
        }
        return peaks
    }

    /// "peak ..." lines for a report header.
    var summary: String {
        var lines: [String] = []
        if let v = vnniGOPS { lines.append(String(format: "peak  vpdpbusd zmm loop : %7.1f GOPS (1 core)", v)) }
        if let v = pairGOPS { lines.append(String(format: "peak  vpmaddwd ymm loop : %7.1f GOPS (1 core)", v)) }
        if let f = fmaGFLOPS { lines.append(String(format: "peak  vfmadd ymm loop   : %7.1f GFLOPS (1 core)", f)) }
        if let f = fma512GFLOPS { lines.append(String(format: "peak  vfmadd zmm loop   : %7.1f GFLOPS (1 core)", f)) }
        return lines.joined(separator: "\n")
    }
}
