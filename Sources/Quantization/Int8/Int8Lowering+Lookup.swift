import Int8Runtime
import Kernels
import NN

/// DQ → elementwise activation → Q as a 256-entry table (ONNX Runtime's QLinear lookup form):
/// every int8 input value maps to `Q(f(DQ(x)))`, computed once at compile time with the very
/// float function of the fallback, so results equal the float fallback bit for bit. FactorizePhys
/// spent a fifth of its int8 time in `tanhf` on dequantized values.
extension Int8Lowering {
    /// Returns false when the pattern does not hold (float input, no single Q consumer).
    mutating func lowerLookup(_ node: Node) throws -> Bool {
        guard let x = int8Input(node.inputs[0]), let (q, relu) = quantizeConsumer(of: node.outputs[0]), relu == nil else {
            return false
        }
        let (ys, yzp) = try quantizeParameters(q)
        var table = [Int8](repeating: 0, count: 256)
        for v in -128...127 {
            var real = Int8Quantize.dequantize(Int8(v), scale: x.scale, zeroPoint: x.zeroPoint), out: Float = 0
            guard Int8FloatFallback.unary(node.op, &real, &out, count: 1) else { return false }
            table[v + 128] = Int8Quantize.quantize(out, scale: ys, zeroPoint: yzp)
        }
        let y = newInt8(q.outputs[0], shape: x.shape, scale: ys, zeroPoint: yzp)
        let (xp, yp, n) = (UnsafePointer(arena.int8(x.buffer)), arena.int8(y.buffer), x.count)
        executor.steps.append {
            table.withUnsafeBufferPointer { Int8Lookup.apply(table: $0.baseAddress!, input: xp, output: yp, count: n) }
        }
        absorbed.insert(q.name)
        executor.device.append("\(node.op.name) \(node.name)", .lookup(count: n, table: table), input: x, output: y)
        executor.plan.append("\(node.op.name) \(node.name): int8 lookup table, output Q fused")
        return true
    }
}
