import Foundation

/// Normalisations in inference form.
public enum FP32Norm {
    /// Eval BatchNorm: `y = (x - mean) / sqrt(var + eps) * scale + bias`, per channel (axis 1).
    public static func batchNorm(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, batch: Int,
                                 channels: Int, volume: Int, scale: UnsafePointer<Float>,
                                 bias: UnsafePointer<Float>, mean: UnsafePointer<Float>,
                                 variance: UnsafePointer<Float>, epsilon: Float) {
        for c in 0..<channels {
            let s = scale[c] / (variance[c] + epsilon).squareRoot()
            let b = bias[c] - mean[c] * s
            for n in 0..<batch {
                let o = (n * channels + c) * volume
                for i in 0..<volume { y[o + i] = x[o + i] * s + b }
            }
        }
    }

    /// LayerNorm: each of `rows` rows of `columns` values normalised by its own mean and biased
    /// variance (in Double, as InstanceNorm), then `scale` and optional `bias` per column.
    public static func layerNorm(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, rows: Int, columns: Int,
                                 scale: UnsafePointer<Float>, bias: UnsafePointer<Float>?, epsilon: Float) {
        for r in 0..<rows {
            let o = r * columns
            var sum = 0.0
            for i in 0..<columns { sum += Double(x[o + i]) }
            let mean = sum / Double(max(1, columns))
            var sq = 0.0
            for i in 0..<columns { let d = Double(x[o + i]) - mean; sq += d * d }
            let inv = Float(1 / (sq / Double(max(1, columns)) + Double(epsilon)).squareRoot()), m = Float(mean)
            for i in 0..<columns { y[o + i] = (x[o + i] - m) * inv * scale[i] + (bias?[i] ?? 0) }
        }
    }

    /// Rows and columns of a LayerNorm over the axes from `axis` on.
    public static func layerNormShape(_ shape: [Int], axis: Int) -> (rows: Int, columns: Int) {
        let a = axis < 0 ? axis + shape.count : axis
        return (shape[..<a].reduce(1, *), shape[a...].reduce(1, *))
    }

    /// InstanceNorm: each (n, c) plane normalised by its own mean and biased variance (in Double,
    /// so that large planes do not lose precision), then optional per-channel affine.
    public static func instanceNorm(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, batch: Int,
                                    channels: Int, volume: Int, scale: UnsafePointer<Float>?,
                                    bias: UnsafePointer<Float>?, epsilon: Float) {
        for n in 0..<batch {
            for c in 0..<channels {
                let o = (n * channels + c) * volume
                var sum = 0.0
                for i in 0..<volume { sum += Double(x[o + i]) }
                let mean = sum / Double(max(1, volume))
                var sq = 0.0
                for i in 0..<volume { let d = Double(x[o + i]) - mean; sq += d * d }
                let inv = 1 / (sq / Double(max(1, volume)) + Double(epsilon)).squareRoot()
                // (x − mean)·s + β, as PyTorch: folding the mean into the bias (x·s − mean·s) cancels
                // badly when the mean is large against the spread (tanh outputs in iBVPNet).
                let s = Float(inv) * (scale?[c] ?? 1), m = Float(mean), b = bias?[c] ?? 0
                for i in 0..<volume { y[o + i] = (x[o + i] - m) * s + b }
            }
        }
    }
}
