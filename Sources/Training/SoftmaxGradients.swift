import Kernels

/// Softmax for training: the forward of the FP32 kernel, and dx = y ⊙ (dy − Σ_axis dy ⊙ y) per line.
enum SoftmaxGradients {
    static func forward(_ x: Activation, axis: Int) -> Activation {
        let l = FP32Softmax.layout(x.shape, axis: axis)
        var y = Activation(overwriting: x.shape)
        x.data.withUnsafeBufferPointer { xp in
            y.data.withUnsafeMutableBufferPointer { yp in
                FP32Softmax.softmax(xp.baseAddress!, yp.baseAddress!, outer: l.outer, axisLength: l.axisLength, inner: l.inner)
            }
        }
        return y
    }

    static func backward(_ dy: Activation, y: Activation, axis: Int) -> Activation {
        let l = FP32Softmax.layout(y.shape, axis: axis)
        var dx = Activation(overwriting: y.shape)
        for o in 0..<l.outer {
            for i in 0..<l.inner {
                let base = o * l.axisLength * l.inner + i
                var dot = 0.0
                for k in 0..<l.axisLength { dot += Double(dy.data[base + k * l.inner]) * Double(y.data[base + k * l.inner]) }
                for k in 0..<l.axisLength {
                    let j = base + k * l.inner
                    dx.data[j] = Float(Double(y.data[j]) * (Double(dy.data[j]) - dot))
                }
            }
        }
        return dx
    }
}
