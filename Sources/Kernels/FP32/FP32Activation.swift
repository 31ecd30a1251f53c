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
        case .tanh: for i in 0..<count { y[i] = Foundation.tanh(x[i]) }
        case .sigmoid: for i in 0..<count { y[i] = 1 / (1 + Foundation.exp(-x[i])) }
        case .elu(let a): for i in 0..<count { let v = x[i]; y[i] = v > 0 ? v : a * Foundation.expm1(v) }
        case .clip(let lo, let hi): for i in 0..<count { y[i] = Swift.min(Swift.max(x[i], lo), hi) }
        }
    }
}
