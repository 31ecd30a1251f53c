import Foundation
import Kernels

/// Debian 12's OpenBLAS (0.3.21) does not recognise recent CPUs such as AMD Zen 4 and falls back
/// to its generic Prescott kernels, which halves sgemm speed (measured: PhysNet FP32 1.65 s → 0.62 s
/// CPU per clip with SkylakeX kernels, Benchmarks/RESULTS.md). OpenBLAS chooses its kernels while the library loads, before any Swift code runs, so
/// the only fix from inside the program is to re-execute once with `OPENBLAS_CORETYPE` set.
/// It is set only when the user has not set it: SkylakeX kernels on CPUs with AVX-512 VNNI (they
/// have every AVX-512 subset those kernels use), Haswell kernels on CPUs with AVX2/FMA.
/// `RPPG_NO_BLAS_CORETYPE=1` disables this.
enum BLASCoreType {
    static func reexecIfNeeded() {
        let env = ProcessInfo.processInfo.environment
        guard env["OPENBLAS_CORETYPE"] == nil, env["RPPG_NO_BLAS_CORETYPE"] == nil,
            Int8Dispatch.isSupported(.avx2),
            let exe = Optional(URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path),
            FileManager.default.isExecutableFile(atPath: exe)
        else { return }
        setenv("OPENBLAS_CORETYPE", Int8Dispatch.isSupported(.avx512VNNI) ? "SkylakeX" : "Haswell", 1)
        let args = CommandLine.arguments
        let cArgs = args.map { strdup($0) } + [nil]
        execv(exe, cArgs)
        // execv returns only on failure: continue with the kernels OpenBLAS chose.
        unsetenv("OPENBLAS_CORETYPE")
    }
}
