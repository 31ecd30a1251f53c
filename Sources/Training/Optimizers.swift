import Foundation

/// A first-order optimizer over parameters held as flat float arrays, in a fixed order
/// (PyTorch's `model.parameters()` order, so that its state maps onto `optimizer.state_dict()`).
public protocol Optimizer {
    /// Learning rate of the (single) parameter group; schedules set it before each step.
    var learningRate: Double { get set }
    /// One update of every parameter from its gradient.
    mutating func step(parameters: inout [[Float]], gradients: [[Float]])
}

/// Adam and AdamW exactly as PyTorch's single-tensor implementation computes them (float32
/// element arithmetic, bias corrections in Double from the float step count).
public struct Adam: Optimizer {
    public var learningRate: Double
    public var beta1: Double
    public var beta2: Double
    public var epsilon: Double
    public var weightDecay: Double
    /// AdamW: decay the weights directly (`p ← p·(1 − lr·wd)`) instead of adding `wd·p` to the gradient.
    public var decoupledWeightDecay: Bool
    /// Per-parameter step counts (`state[i]['step']`); 0 before the first step.
    public var steps: [Double]
    /// First-moment estimates (`exp_avg`).
    public var expAvg: [[Float]]
    /// Second-moment estimates (`exp_avg_sq`).
    public var expAvgSq: [[Float]]
    /// Per-parameter factors on the learning rate (nil: 1 for every parameter), for parameters on
    /// another scale than the weights: quantization-aware training's learned activation scales.
    public var learningRateFactors: [Double]? = nil

    public init(parameterCounts: [Int], learningRate: Double = 1e-3, beta1: Double = 0.9, beta2: Double = 0.999,
                epsilon: Double = 1e-8, weightDecay: Double = 0, decoupledWeightDecay: Bool = false) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.decoupledWeightDecay = decoupledWeightDecay
        steps = Array(repeating: 0, count: parameterCounts.count)
        expAvg = parameterCounts.map { [Float](repeating: 0, count: $0) }
        expAvgSq = parameterCounts.map { [Float](repeating: 0, count: $0) }
    }

    /// AdamW with PyTorch's default weight decay 0.01.
    public static func adamW(parameterCounts: [Int], learningRate: Double = 1e-3, weightDecay: Double = 0.01) -> Adam {
        Adam(parameterCounts: parameterCounts, learningRate: learningRate, weightDecay: weightDecay, decoupledWeightDecay: true)
    }

    public mutating func step(parameters: inout [[Float]], gradients: [[Float]]) {
        precondition(parameters.count == steps.count && gradients.count == steps.count, "parameter count changed")
        let lerpWeight = Float(1 - beta1)
        let b2 = Float(beta2), oneMinusB2 = Float(1 - beta2)
        let decayFactor = Float(1 - learningRate * weightDecay)
        let wd = Float(weightDecay)
        for i in parameters.indices {
            steps[i] += 1
            let t = Double(Float(steps[i]))
            let bc1 = 1 - pow(beta1, t)
            let bc2Sqrt = (1 - pow(beta2, t)).squareRoot()
            let stepSize = Float(-(learningRate * (learningRateFactors?[i] ?? 1) / bc1))
            let bc2 = Float(bc2Sqrt), eps = Float(epsilon)
            let decoupled = decoupledWeightDecay
            gradients[i].withUnsafeBufferPointer { g in
                parameters[i].withUnsafeMutableBufferPointer { p in
                    expAvg[i].withUnsafeMutableBufferPointer { m in
                        expAvgSq[i].withUnsafeMutableBufferPointer { v in
                            for j in 0..<p.count {
                                var grad = g[j]
                                if wd != 0 {
                                    if decoupled { p[j] *= decayFactor } else { grad += wd * p[j] }
                                }
                                m[j] = m[j] + lerpWeight * (grad - m[j])
                                v[j] = v[j] * b2 + oneMinusB2 * grad * grad
                                let denom = v[j].squareRoot() / bc2 + eps
                                p[j] = p[j] + stepSize * (m[j] / denom)
                            }
                        }
                    }
                }
            }
        }
    }
}

/// SGD with momentum, dampening, Nesterov and weight decay, as PyTorch's `torch.optim.SGD`.
public struct SGD: Optimizer {
    public var learningRate: Double
    public var momentum: Double
    public var dampening: Double
    public var weightDecay: Double
    public var nesterov: Bool
    /// `state[i]['momentum_buffer']`; nil until the first step (and always without momentum).
    public var momentumBuffers: [[Float]?]

    public init(parameterCount: Int, learningRate: Double, momentum: Double = 0, dampening: Double = 0,
                weightDecay: Double = 0, nesterov: Bool = false) {
        self.learningRate = learningRate
        self.momentum = momentum
        self.dampening = dampening
        self.weightDecay = weightDecay
        self.nesterov = nesterov
        momentumBuffers = Array(repeating: nil, count: parameterCount)
    }

    public mutating func step(parameters: inout [[Float]], gradients: [[Float]]) {
        let wd = Float(weightDecay), mu = Float(momentum), damp = Float(1 - dampening), lr = Float(learningRate)
        for i in parameters.indices {
            var d = gradients[i]
            if wd != 0 { for j in d.indices { d[j] += wd * parameters[i][j] } }
            if momentum != 0 {
                var buf: [Float]
                if let old = momentumBuffers[i] {
                    buf = old
                    for j in buf.indices { buf[j] = buf[j] * mu + damp * d[j] }
                } else {
                    buf = d
                }
                momentumBuffers[i] = buf
                if nesterov { for j in d.indices { d[j] += mu * buf[j] } } else { d = buf }
            }
            for j in d.indices { parameters[i][j] -= lr * d[j] }
        }
    }
}

/// Scales gradients so that their global 2-norm is at most `maxNorm`, as
/// `torch.nn.utils.clip_grad_norm_`; returns the norm before clipping.
@discardableResult
public func clipGradientNorm(_ gradients: inout [[Float]], maxNorm: Double) -> Double {
    var total = 0.0
    for g in gradients {
        var s: Float = 0
        for v in g { s += v * v }
        let n = Double(s.squareRoot())
        total += n * n
    }
    total = total.squareRoot()
    let coefficient = min(1, maxNorm / (total + 1e-6))
    if coefficient < 1 {
        let c = Float(coefficient)
        for i in gradients.indices { for j in gradients[i].indices { gradients[i][j] *= c } }
    }
    return total
}
