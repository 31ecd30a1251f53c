import NN
import TensorCore

extension FP32Executor: FloatGraphRunner {}

/// NN's FP32 executor as the float engine of calibration, fake-quant and the report.
public enum FP32Runner {
    /// Compiles each one-node graph with `threads` workers.
    public static func factory(threads: Int = Parallel.availableCores) -> FloatRunnerFactory {
        { graph in try FP32Executor(graph: graph, threads: threads) }
    }

    /// Executor threads for each clip worker when calibration splits `clips` clips over `threads`
    /// threads (one per clip worker; more when there are fewer clips than threads).
    public static func threadsPerWorker(clips: Int, threads: Int) -> Int {
        ClipWorkers.split(clips: clips, threads: threads).threadsEach
    }
}

extension FakeQuantExecutor {
    /// Float ops on NN's FP32 executor.
    public convenience init(graph: Graph, threads: Int = Parallel.availableCores) throws {
        try self.init(graph: graph, runner: FP32Runner.factory(threads: threads))
    }
}

extension QDQQuantizer {
    /// ``quantize(_:calibration:options:runner:reportClipLimit:)`` on NN's FP32 executor.
    public static func quantize(_ fp32: Graph, calibration: [Tensor], options: QuantizationOptions = QuantizationOptions(),
                                reportClipLimit: Int? = 32) throws -> QuantizationResult {
        let factory = FP32Runner.factory(threads: FP32Runner.threadsPerWorker(clips: calibration.count, threads: options.threads))
        return try quantize(fp32, clipCount: calibration.count, clip: { calibration[$0] }, options: options,
                            runner: factory, reportClipLimit: reportClipLimit, wholeGraph: factory)
    }
}
