import Foundation
import NN
import TensorCore
import Quantization

/// A test-only float runner for the one-node graphs of the hand-made test models: 1×1 Conv
/// (NCHW, stride 1), Relu, Elu, and pooling with a 1×1 kernel. It keeps these tests independent of
/// the FP32 executor; the ORT parity tests use the real one.
final class TinyFloatRunner: FloatGraphRunner {
    let graph: Graph
    init(_ graph: Graph) { self.graph = graph }

    static let factory: FloatRunnerFactory = { TinyFloatRunner($0) }

    func run(_ inputs: [String: Tensor]) throws -> [String: Tensor] {
        let node = graph.nodes[0]
        func value(_ n: String) -> Tensor { inputs[n] ?? graph.initializers[n]! }
        let x = value(node.inputs[0])
        let xs = x.floatValues()
        let out: Tensor
        switch node.op {
        case .relu: out = Tensor(shape: x.shape, scalars: xs.map { max($0, 0) })
        case .elu(let a): out = Tensor(shape: x.shape, scalars: xs.map { $0 > 0 ? $0 : a * (exp($0) - 1) })
        case .avgPool, .maxPool: out = x
        case .conv:
            let w = value(node.inputs[1])
            let ws = w.floatValues()
            let bias = node.inputs.count > 2 ? value(node.inputs[2]).floatValues() : nil
            let (n, c, hw) = (x.shape[0], x.shape[1], x.shape[2] * x.shape[3])
            let k = w.shape[0]
            var y = [Float](repeating: 0, count: n * k * hw)
            for b in 0..<n {
                for o in 0..<k {
                    for p in 0..<hw {
                        var s: Float = bias?[o] ?? 0
                        for i in 0..<c { s += ws[o * c + i] * xs[(b * c + i) * hw + p] }
                        y[(b * k + o) * hw + p] = s
                    }
                }
            }
            out = Tensor(shape: [n, k, x.shape[2], x.shape[3]], scalars: y)
        default:
            throw QuantizationError.unsupportedGraph("TinyFloatRunner cannot run \(node.op.name)")
        }
        return [node.outputs[0]: out]
    }
}
