import TensorCore

/// PyTorch's default parameter initialisation, drawn from ``SeededGenerator``:
/// conv/linear weights `kaiming_uniform_(a=√5)` (uniform ±1/√fan_in), their biases uniform
/// ±1/√fan_in, norm weights 1 and biases 0, running mean 0, running variance 1,
/// `num_batches_tracked` a 0-dim int64 zero.
public enum ParameterInitialization {
    /// Values for every key, in the given order (the draw order follows it, so a seed fixes them).
    public static func pytorchDefaults(_ shapes: [(key: String, shape: [Int])], seed: UInt64) -> [(key: String, tensor: Tensor)] {
        var rng = SeededGenerator(seed: seed)
        let shapeOf = Dictionary(shapes.map { ($0.key, $0.shape) }, uniquingKeysWith: { a, _ in a })
        return shapes.map { key, shape in
            let count = shape.reduce(1, *)
            let leaf = key.split(separator: ".").last.map(String.init) ?? key
            let prefix = key.dropLast(leaf.count)
            switch leaf {
            case "num_batches_tracked":
                return (key, Tensor(scalar: Int64(0)))
            case "running_mean":
                return (key, Tensor(zeros: shape))
            case "running_var":
                return (key, Tensor(shape: shape, scalars: [Float](repeating: 1, count: count)))
            case "weight" where shape.count >= 2:
                let bound = 1 / Float(fanIn(shape)).squareRoot()
                return (key, Tensor(shape: shape, scalars: (0..<count).map { _ in rng.uniform(-bound, bound) }))
            case "weight":
                return (key, Tensor(shape: shape, scalars: [Float](repeating: 1, count: count)))
            case "bias":
                if let w = shapeOf[prefix + "weight"], w.count >= 2 {
                    let bound = 1 / Float(fanIn(w)).squareRoot()
                    return (key, Tensor(shape: shape, scalars: (0..<count).map { _ in rng.uniform(-bound, bound) }))
                }
                return (key, Tensor(zeros: shape))
            default:
                return (key, Tensor(zeros: shape))
            }
        }
    }

    /// `tensor.size(1) × receptive field`, PyTorch's fan-in (for transposed convs this is
    /// out_channels/groups × kernel, as PyTorch computes it too).
    public static func fanIn(_ shape: [Int]) -> Int { max(1, shape[1] * shape.dropFirst(2).reduce(1, *)) }
}
