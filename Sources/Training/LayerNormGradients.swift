import Kernels

/// LayerNorm over the trailing axes (PhysFormer's and RhythmFormer's `nn.LayerNorm`), forward and
/// backward. Row statistics in Double, as the other normalisations; per row r with x̂ = (x − μ)/σ
/// and g = dy·γ: dx = (g − mean(g) − x̂·mean(g·x̂))/σ, dγ = Σ_rows dy·x̂, dβ = Σ_rows dy.
enum LayerNormGradients {
    static func forward(_ x: Activation, axis: Int, scale: [Float], bias: [Float]?, epsilon: Float)
        -> (Activation, NormalizationGradients.Saved) {
        let (rows, columns) = FP32Norm.layerNormShape(x.shape, axis: axis)
        var y = Activation(overwriting: x.shape)
        var xhat = [Float](repeating: 0, count: x.count), inv = [Float](repeating: 0, count: rows)
        for r in 0..<rows {
            let o = r * columns
            var sum = 0.0
            for i in 0..<columns { sum += Double(x.data[o + i]) }
            let mean = sum / Double(columns)
            var sq = 0.0
            for i in 0..<columns { let d = Double(x.data[o + i]) - mean; sq += d * d }
            inv[r] = Float(1 / (sq / Double(columns) + Double(epsilon)).squareRoot())
            let m = Float(mean)
            for i in 0..<columns {
                let h = (x.data[o + i] - m) * inv[r]
                xhat[o + i] = h
                y.data[o + i] = h * scale[i] + (bias?[i] ?? 0)
            }
        }
        return (y, .init(normalized: xhat, invStd: inv, perSampleGroups: true, batchStatistics: true))
    }

    static func backward(_ dy: Activation, saved: NormalizationGradients.Saved, axis: Int, scale: [Float])
        -> (Activation, [Float], [Float]) {
        let (rows, columns) = FP32Norm.layerNormShape(dy.shape, axis: axis)
        var dx = Activation(overwriting: dy.shape)
        var dScale = [Double](repeating: 0, count: columns), dBias = [Double](repeating: 0, count: columns)
        for r in 0..<rows {
            let o = r * columns
            var sumG = 0.0, sumGH = 0.0
            for i in 0..<columns {
                let g = Double(dy.data[o + i]) * Double(scale[i]), h = Double(saved.normalized[o + i])
                sumG += g
                sumGH += g * h
                dScale[i] += Double(dy.data[o + i]) * h
                dBias[i] += Double(dy.data[o + i])
            }
            let (meanG, meanGH) = (sumG / Double(columns), sumGH / Double(columns))
            for i in 0..<columns {
                let g = Double(dy.data[o + i]) * Double(scale[i]), h = Double(saved.normalized[o + i])
                dx.data[o + i] = Float((g - meanG - h * meanGH) * Double(saved.invStd[r]))
            }
        }
        return (dx, dScale.map { Float($0) }, dBias.map { Float($0) })
    }
}
