// rppg-bench: benchmarks, one subcommand per family (see Benchmarks/README.md).
//   rppg-bench kernels [--threads N]     int8 kernels vs OpenBLAS sgemm
//   rppg-bench layers [--threads N] [--only WORD] [--paths avx2,...] [--cpu-time]
//                                        whole conv and pooling layers, FP32 vs int8
//   rppg-bench models [--smoke] [...]    end-to-end FP32 / INT8 per-clip latency of the zoo models
//   rppg-bench train [...]               training steps, Swift vs PyTorch on the same clips
import Foundation
import Kernels
import TensorCore

// Same OpenBLAS kernel choice as `rppg` (see BLASCoreType), so that benchmark numbers are the
// ones users get; set OPENBLAS_CORETYPE (or RPPG_NO_BLAS_CORETYPE=1) to measure another.
BLASCoreType.reexecIfNeeded()

let arguments = Array(CommandLine.arguments.dropFirst())
let families: [String: ([String]) throws -> Void] = [
    "kernels": KernelsBenchmark.run,
    "layers": LayersBenchmark.run,
    "models": ModelsBenchmark.run,
    "train": TrainBenchmark.run,
]

guard let family = arguments.first, let body = families[family] else {
    print("usage: rppg-bench <family> [options]; families: \(families.keys.sorted().joined(separator: ", "))")
    print("cores=\(Parallel.availableCores)")
    exit(arguments.isEmpty ? 0 : 2)
}
do {
    try body(Array(arguments.dropFirst()))
} catch {
    FileHandle.standardError.write("rppg-bench \(family): \(error)\n".data(using: .utf8)!)
    exit(1)
}
