import Int8Runtime

/// What the int8 lowering records for the device beside its host closures: the same ops with the
/// same parameters, over the executor's int8 buffers (a view shares its source's buffer), and why
/// a node cannot run there (float fallbacks, gathers). ``DevicePlan`` turns it into a flash plan.
struct DeviceProgram {
    enum Op {
        case conv(geometry: Int8DeviceConv.Geometry, xZeroPoint: Int32, weights: [Int8], multipliers: [Float], bias: [Int32],
                  zeroPoint: Int32, lower: Int32, upper: Int32)
        case maxPool(Int8PoolGeometry, rescale: Int8Pool.Rescale?)
        case averagePool(Int8PoolGeometry, countIncludePad: Bool, xScale: Float, xZeroPoint: Int32, yScale: Float, yZeroPoint: Int32)
        case meanTrailing(outputs: Int, count: Int, xScale: Float, xZeroPoint: Int32, yScale: Float, yZeroPoint: Int32)
        case lookup(count: Int, table: [Int8])
        /// Transpose / Slice: output shape and input strides (any rank up to ``Int8Gather/rank``).
        case gather(inputBytes: Int, offset: Int, shape: [Int], strides: [Int])
    }

    struct Step {
        var label: String
        var op: Op
        /// Executor arena buffers read and written.
        var input: Int, output: Int
    }

    /// The quantized graph input (after the graph's first QuantizeLinear) or output, as the device holds it.
    struct Endpoint {
        var buffer: Int
        var shape: [Int]
        var scale: Float
        var zeroPoint: Int32
    }

    var steps: [Step] = []
    var blockers: [String] = []
    var input: Endpoint?
    var output: Endpoint?

    mutating func append(_ label: String, _ op: Op, input: Int8Value, output: Int8Value) {
        steps.append(Step(label: label, op: op, input: input.buffer, output: output.buffer))
    }
}
