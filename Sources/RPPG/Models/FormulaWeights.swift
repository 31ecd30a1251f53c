import Foundation
import NN
import TensorCore
import TorchIO

extension ModelZoo {
    /// Deterministic weights by formula, for parity checks of models too large to store their
    /// weights beside the tests (the 72-pixel frame models, iBVPNet's 1.4 M parameters). Key j of
    /// the state dict (PyTorch's order), element i: s = sin(0.37 i + 0.1 j) in Double, then Float of
    /// conv/linear weights s / √fan-in (fan-in: the product of all axes but the first), other
    /// tensors 0.1 s, except BatchNorm's running_var 1 + 0.25 (1 + s) and EfficientPhys's input
    /// BatchNorm weight 1 + 0.2 s. `num_batches_tracked` is 0. Tools/make_nn_fixtures.py
    /// (`formula_state_`) computes the same in PyTorch.
    public static func formulaWeights(_ a: ZooArchitecture, inputSize size: Int? = nil) -> StateDict {
        var entries: [(key: String, tensor: Tensor)] = []
        for (j, (key, shape)) in parameterShapes(a, inputSize: size ?? inputSize(a)).enumerated() {
            guard !key.hasSuffix("num_batches_tracked") else { entries.append((key, Tensor(zeros: [], dtype: .int64))); continue }
            let n = shape.reduce(1, *), fanIn = shape.count > 1 ? shape.dropFirst().reduce(1, *) : 1
            let values = (0..<n).map { i -> Float in
                let s = sin(0.37 * Double(i) + 0.1 * Double(j))
                if key.hasSuffix("running_var") { return Float(1 + 0.25 * (1 + s)) }
                if key.hasPrefix("batch_norm.") && key.hasSuffix("weight") { return Float(1 + 0.2 * s) }
                return Float(shape.count > 1 ? s / Double(fanIn).squareRoot() : 0.1 * s)
            }
            entries.append((key, Tensor(shape: shape, scalars: values)))
        }
        return StateDict(entries)
    }
}
