import Foundation
import Int8CPUID

/// An implementation of the int8 kernels. Every path computes bit-identical results; they
/// differ only in speed and in which CPUs can run them.
public enum Int8Path: String, CaseIterable, Sendable, CustomStringConvertible {
    /// Plain loops, no packing: the specification the others are tested against.
    case reference
    /// Plain loops on packed int16 pairs (`pmaddwd` / `smlal` shape), compiled for the baseline
    /// target (any x86-64 or arm64).
    case portable
    /// AVX2 `vpmaddwd` on int16 pairs (module Int8AVX2, `-target-cpu haswell`).
    case avx2
    /// AVX-VNNI 256-bit `vpdpbusd` on u8×s8 quads, for CPUs without AVX-512 (module Int8AVXVNNI).
    case avxVNNI = "avxvnni"
    /// AVX-512 VNNI `vpdpbusd` on u8×s8 quads (module Int8VNNI, `-target-cpu icelake-server`).
    case avx512VNNI = "avx512vnni"

    public var description: String { rawValue }
}

/// Run-time choice of the int8 path from a CPU check (CPUID + XGETBV through
/// `__builtin_cpu_supports`), so that a binary built here runs on older CPUs without SIGILL.
///
/// The environment variable `RPPG_INT8_PATH` (`reference|portable|avx2|avxvnni|avx512vnni`) forces a
/// path for the whole process, if the CPU supports it; tests pass a path explicitly instead.
public enum Int8Dispatch {
    /// Feature bits from the CPU check: 1 AVX2+FMA, 2 AVX-512 VNNI (+F/BW), 4 AVX-VNNI.
    public static let cpuFeatureBits: Int = Int(rppg_int8_cpu_features())

    /// Whether this CPU can run `path`.
    public static func isSupported(_ path: Int8Path) -> Bool {
        switch path {
        case .reference, .portable: return true
        case .avx2: return cpuFeatureBits & 1 != 0
        case .avx512VNNI: return cpuFeatureBits & 2 != 0
        case .avxVNNI: return cpuFeatureBits & 5 == 5
        }
    }

    /// Paths this CPU can run, slowest first.
    public static var supportedPaths: [Int8Path] { Int8Path.allCases.filter(isSupported) }

    /// The fastest supported path, unless `RPPG_INT8_PATH` names another supported one.
    public static let best: Int8Path = {
        if let forced = ProcessInfo.processInfo.environment["RPPG_INT8_PATH"],
           let path = Int8Path(rawValue: forced), isSupported(path) {
            return path
        }
        if isSupported(.avx512VNNI) { return .avx512VNNI }
        if isSupported(.avxVNNI) { return .avxVNNI }
        if isSupported(.avx2) { return .avx2 }
        return .portable
    }()

    /// A one-line summary for banners: `int8 path avx512vnni (cpu: avx2 avx512vnni avxvnni)`.
    public static var summary: String {
        var names: [String] = []
        if cpuFeatureBits & 1 != 0 { names.append("avx2") }
        if cpuFeatureBits & 2 != 0 { names.append("avx512vnni") }
        if cpuFeatureBits & 4 != 0 { names.append("avxvnni") }
        return "int8 path \(best) (cpu: \(names.isEmpty ? "baseline" : names.joined(separator: " ")))"
    }
}
