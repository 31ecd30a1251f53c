import FP32AVX512

extension Int8PeakProbe {
    /// Runs `iterations` × 12 FMAs on 16 floats (512-bit, what the FP32 direct convolution issues
    /// on AVX-512 CPUs) and returns a checksum; nil where that kernel does not run.
    public static func fma512(iterations: Int) -> Float? {
        FP32DirectConv.path == .avx512 ? rppgFP32FMA512PeakLoop(iterations) : nil
    }
    /// Flops per `fma512(iterations:)` iteration.
    public static let fma512FlopsPerIteration = 12 * 16 * 2
}
