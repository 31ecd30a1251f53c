import Foundation
import TensorCore

/// Debian 12's OpenBLAS (0.3.21) does not recognise recent CPUs (Intel family 6 model 207, AMD
/// Zen 4) and falls back to its SSE3 "Prescott" kernels, which costs 2–3× in sgemm (measured:
/// PhysNet FP32 1.65 s → 0.62 s CPU per clip with SkylakeX kernels, Benchmarks/RESULTS.md).
/// OpenBLAS picks its kernels while the library loads, before any Swift code runs, so the only
/// fix from inside a program is to re-execute once with `OPENBLAS_CORETYPE` set.
public enum BLASCoreType {
    /// OpenBLAS kernel families that use AVX2 + FMA (the ones worth keeping on an AVX2 CPU).
    static let avx2Cores: Set<String> = ["haswell", "zen", "skylakex", "cooperlake", "sapphirerapids"]
    /// Families that also use AVX-512.
    static let avx512Cores: Set<String> = ["skylakex", "cooperlake", "sapphirerapids"]

    /// The `OPENBLAS_CORETYPE` this process should run with, or nil when OpenBLAS's own choice
    /// already uses the CPU's widest vectors (or the CPU has no AVX2).
    public static func betterCoreType(current: String = BLAS.coreName) -> String? {
        let core = current.lowercased()
        if Int8Dispatch.isSupported(.avx512VNNI) { return avx512Cores.contains(core) ? nil : "SkylakeX" }
        if Int8Dispatch.isSupported(.avx2) { return avx2Cores.contains(core) ? nil : "Haswell" }
        return nil
    }

    /// Re-executes the current program with a better `OPENBLAS_CORETYPE` when OpenBLAS chose
    /// kernels narrower than the CPU supports. Does nothing when the user set
    /// `OPENBLAS_CORETYPE` or `RPPG_NO_BLAS_CORETYPE`, or when the choice is already right.
    public static func reexecIfNeeded() {
        let env = ProcessInfo.processInfo.environment
        guard env["OPENBLAS_CORETYPE"] == nil, env["RPPG_NO_BLAS_CORETYPE"] == nil,
            let coreType = betterCoreType(),
            let exe = Optional(URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path),
            FileManager.default.isExecutableFile(atPath: exe)
        else { return }
        setenv("OPENBLAS_CORETYPE", coreType, 1)
        let cArgs = CommandLine.arguments.map { strdup($0) } + [nil]
        execv(exe, cArgs)
        // execv returns only on failure: continue with the kernels OpenBLAS chose.
        unsetenv("OPENBLAS_CORETYPE")
    }
}
