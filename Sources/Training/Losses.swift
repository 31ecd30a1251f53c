import TensorCore

/// Training losses over `[batch, T]` predictions, each with its gradient.
public enum Loss {
    /// rPPG-Toolbox's `Neg_Pearson` (PhysNet): mean over the batch of `1 − r`, r the Pearson
    /// correlation of each predicted waveform with its label. Accumulated in Double.
    public static func negativePearson(predictions: Tensor, labels: Tensor) throws -> (value: Double, gradient: Tensor) {
        let (b, t, x, y) = try pair(predictions, labels)
        var grad = [Float](repeating: 0, count: b * t)
        var loss = 0.0
        let n = Double(t)
        for s in 0..<b {
            var sx = 0.0, sy = 0.0, sxy = 0.0, sxx = 0.0, syy = 0.0
            for i in 0..<t {
                let u = x[s * t + i], v = y[s * t + i]
                sx += u; sy += v; sxy += u * v; sxx += u * u; syy += v * v
            }
            let a = n * sxx - sx * sx, c = n * syy - sy * sy
            let denom = (a * c).squareRoot()
            guard denom > 0 else { loss += 1; continue }
            let r = (n * sxy - sx * sy) / denom
            loss += 1 - r
            for i in 0..<t {
                let dr = (n * y[s * t + i] - sy) / denom - r * (n * x[s * t + i] - sx) / a
                grad[s * t + i] = Float(-dr / Double(b))
            }
        }
        return (loss / Double(b), Tensor(shape: predictions.shape, scalars: grad))
    }

    /// Mean squared error over all elements (`torch.nn.MSELoss()`).
    public static func meanSquaredError(predictions: Tensor, labels: Tensor) throws -> (value: Double, gradient: Tensor) {
        let (b, t, x, y) = try pair(predictions, labels)
        let count = Double(b * t)
        var loss = 0.0
        var grad = [Float](repeating: 0, count: b * t)
        for i in 0..<(b * t) {
            let d = x[i] - y[i]
            loss += d * d
            grad[i] = Float(2 * d / count)
        }
        return (loss / count, Tensor(shape: predictions.shape, scalars: grad))
    }

    static func pair(_ p: Tensor, _ l: Tensor) throws -> (Int, Int, [Double], [Double]) {
        guard p.rank == 2, p.elementCount == l.elementCount else {
            throw TrainingError.shapeMismatch("loss: predictions \(p.shape) and labels \(l.shape) must both be [batch, T]")
        }
        return (p.shape[0], p.shape[1], p.doubleValues(), l.doubleValues())
    }
}
