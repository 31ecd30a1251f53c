import NN
import Quantization
import TensorCore

/// The product's float runner for calibration and fake-quant: NN's FP32 executor.
extension FP32Executor: FloatGraphRunner {}

extension FP32Executor {
    /// A factory the quantizer uses to compile float (sub)graphs.
    public static func runnerFactory(threads: Int) -> FloatRunnerFactory {
        { graph in try FP32Executor(graph: graph, threads: threads) }
    }
}
