import Foundation

/// Point-wise activations, applied in place or out of place (`x` may equal `y`).
public enum FP32Activation: Hashable, Sendable {
    case relu, tanh, sigmoid
    case elu(alpha: Float)
    case clip(min: Float, max: Float)

    /// `y[i] = f(x[i])` for `count` elements.
    public func apply(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        switch self {
        case .relu: for i in 0..<count { y[i] = max(x[i], 0) }
        case .tanh: FP32VectorMath.map(x, y, count: count, FP32VectorMath.tanh)
        case .sigmoid: FP32VectorMath.map(x, y, count: count, FP32VectorMath.sigmoid)
        case .elu(let a):
            FP32VectorMath.map(x, y, count: count) { v in
                (a * FP32VectorMath.expm1(FP32VectorMath.clamp(v, -87, 0)))
                    .replacing(with: v, where: (v .> 0) .| (v .!= v))
            }
        case .clip(let lo, let hi): for i in 0..<count { y[i] = Swift.min(Swift.max(x[i], lo), hi) }
        }
    }
}
