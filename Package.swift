// swift-tools-version:6.2
// Layering (ARCHITECTURE.md): dependencies point down.
//   CBLAS, CZlib → TensorCore, CInt8DSP → Int8Runtime → Kernels → NN → {ONNX, Quantization, Training} ; TorchIO → RPPG → Workflow → rppg
//   (Training also uses Int8Runtime: its QuantizeLinear rule rounds with the int8 engine's own maths.)
import PackageDescription

let package = Package(
    name: "rppg-swift",
    products: [
        .library(name: "TensorCore", targets: ["TensorCore"]),
        .library(name: "Int8Runtime", targets: ["Int8Runtime"]),
        .library(name: "Kernels", targets: ["Kernels"]),
        .library(name: "TorchIO", targets: ["TorchIO"]),
        .library(name: "NN", targets: ["NN"]),
        .library(name: "ONNX", targets: ["ONNX"]),
        .library(name: "Quantization", targets: ["Quantization"]),
        .library(name: "RPPG", targets: ["RPPG"]),
        .library(name: "Training", targets: ["Training"]),
        .library(name: "Workflow", targets: ["Workflow"]),
        .executable(name: "rppg", targets: ["rppg"]),
        .executable(name: "rppg-bench", targets: ["rppg-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2")
    ],
    targets: [
        // System libraries: OpenBLAS (sgemm) and zlib (CRC32, inflate).
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas"),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib"),

        .target(name: "TensorCore", dependencies: ["CBLAS"]),
        // --- Kernels: FP32 and int8 reference + fast kernels, runtime CPU dispatch.
        // The int8 engine's scalar maths (requantization, quantize, rounding), standard library
        // only, so that the same source also compiles with Embedded Swift for a Cortex-M.
        .target(name: "CInt8DSP"),
        .target(name: "Int8Runtime", dependencies: ["CInt8DSP"]),
        .target(name: "Kernels", dependencies: ["TensorCore", "Int8Runtime", "Int8CPUID", "Int8VNNI", "Int8AVX2", "Int8AVXVNNI", "FP32AVX512", "FP32AVX2"]),
        // --- int8 fast paths (issue 5): one module per instruction set, each compiled with its own
        // flags and called only after the CPU check in Kernels (Int8Dispatch), so older CPUs never
        // execute an instruction they lack. `-parse-stdlib` exposes LLVM intrinsics via `Builtin`.
        .target(name: "Int8CPUID"),
        .target(
            name: "Int8VNNI",
            dependencies: ["Int8Runtime"],
            swiftSettings: [.unsafeFlags(["-parse-stdlib", "-target-cpu", "icelake-server"])]),
        .target(
            name: "Int8AVX2",
            dependencies: ["Int8Runtime"],
            swiftSettings: [.unsafeFlags(["-parse-stdlib", "-target-cpu", "haswell"])]),
        // AVX-VNNI (256-bit vpdpbusd) on top of Haswell's features, through Clang's target options.
        .target(
            name: "Int8AVXVNNI",
            swiftSettings: [.unsafeFlags(["-parse-stdlib", "-target-cpu", "haswell",
                                          "-Xcc", "-Xclang", "-Xcc", "-target-feature", "-Xcc", "-Xclang", "-Xcc", "+avxvnni"])]),
        // FP32 direct-convolution micro-kernel (issue 9), same scheme: its own flags, called only
        // after Kernels' CPU check (FP32DirectConv.path); other CPUs keep im2col + sgemm.
        .target(
            name: "FP32AVX512",
            swiftSettings: [.unsafeFlags(["-parse-stdlib", "-target-cpu", "skylake-avx512"])]),
        .target(
            name: "FP32AVX2",
            swiftSettings: [.unsafeFlags(["-parse-stdlib", "-target-cpu", "haswell"])]),
        // SHA-256 with the SHA extensions (manifest hashing), same scheme: goldmont = SSE4.2 + SHA
        // and no AVX; called only after Workflow's check (SHA256Digest.useSHANI).
        .target(
            name: "SHA256NI",
            swiftSettings: [.unsafeFlags(["-parse-stdlib", "-target-cpu", "goldmont"])]),
        .target(name: "TorchIO", dependencies: ["TensorCore", "CZlib"]),
        .target(name: "NN", dependencies: ["TensorCore", "Kernels"]),
        .target(name: "ONNX", dependencies: ["NN"]),
        .target(name: "Quantization", dependencies: ["NN", "Kernels", "Int8Runtime"]),
        // Training lives beside NN (not inside it) so that embedders of the inference runtime
        // do not compile autodiff and optimizers.
        .target(name: "Training", dependencies: ["NN", "Kernels", "Int8Runtime"]),
        .target(name: "RPPG", dependencies: ["NN", "TorchIO", "CZlib"]),
        .target(
            name: "Workflow",
            dependencies: ["TensorCore", "TorchIO", "NN", "ONNX", "Quantization", "RPPG", "Training", "Int8CPUID", "SHA256NI"]),
        .executableTarget(
            name: "rppg",
            dependencies: ["Workflow", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Tools/rppg"),
        .executableTarget(
            name: "rppg-bench",
            dependencies: ["Workflow", "Kernels", "TensorCore"],
            path: "Benchmarks/rppg-bench"),

        .testTarget(name: "TensorCoreTests", dependencies: ["TensorCore"]),
        .testTarget(name: "KernelsTests", dependencies: ["Kernels"]),
        .testTarget(name: "TorchIOTests", dependencies: ["TorchIO"], resources: [.copy("Fixtures")]),
        .testTarget(name: "NNTests", dependencies: ["NN", "TorchIO"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ONNXTests", dependencies: ["ONNX", "TorchIO"], resources: [.copy("Fixtures")]),
        .testTarget(
            name: "QuantizationTests", dependencies: ["Quantization", "Int8Runtime", "ONNX", "TorchIO"],
            resources: [.copy("Fixtures")]),
        .testTarget(name: "RPPGTests", dependencies: ["RPPG"], resources: [.copy("Fixtures")]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "TorchIO"], resources: [.copy("Fixtures")]),
        .testTarget(name: "WorkflowTests", dependencies: ["Workflow"], resources: [.copy("Fixtures")]),
    ],
    // Swift 5 language mode: the numeric code shares raw buffers across threads on purpose;
    // strict Sendable checking would add noise without adding safety there.
    swiftLanguageModes: [.v5]
)
