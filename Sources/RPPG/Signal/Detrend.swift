import Foundation

/// Smoothness-priors detrending (Tarvainen et al. 2002), as rPPG-Toolbox's `_detrend`:
/// `x − (I + λ²D₂ᵀD₂)⁻¹x`, D₂ the (N−2)×N second-difference matrix.
///
/// `I + λ²D₂ᵀD₂` is symmetric positive definite and pentadiagonal, so it is factored as a banded
/// LDLᵀ in O(N) time and memory instead of the O(N³) dense inverse the toolbox uses.
public enum SmoothnessPriorsDetrend {
    /// The λ rPPG-Toolbox uses for heart-rate evaluation and the unsupervised methods.
    public static let defaultLambda = 100.0

    /// Returns `x` minus its smooth trend.
    public static func apply(_ x: [Double], lambda: Double = defaultLambda) -> [Double] {
        let trend = self.trend(x, lambda: lambda)
        return zip(x, trend).map { $0 - $1 }
    }

    /// The smooth trend `(I + λ²D₂ᵀD₂)⁻¹x`.
    public static func trend(_ x: [Double], lambda: Double = defaultLambda) -> [Double] {
        let n = x.count
        // With fewer than 3 samples D₂ has no rows: the system is the identity.
        guard n >= 3 else { return x }
        let l2 = lambda * lambda
        // Bands of A = I + λ²D₂ᵀD₂: each row k of D₂ is (1, −2, 1) at columns k…k+2.
        var d0 = [Double](repeating: 1, count: n)
        var d1 = [Double](repeating: 0, count: n)  // d1[i] = A[i][i−1]
        var d2 = [Double](repeating: 0, count: n)  // d2[i] = A[i][i−2]
        let c: (Double, Double, Double) = (1, -2, 1)
        for k in 0..<(n - 2) {
            d0[k] += l2 * c.0 * c.0
            d0[k + 1] += l2 * c.1 * c.1
            d0[k + 2] += l2 * c.2 * c.2
            d1[k + 1] += l2 * c.0 * c.1
            d1[k + 2] += l2 * c.1 * c.2
            d2[k + 2] += l2 * c.0 * c.2
        }
        // Banded LDLᵀ: A[i][j] = Σ_k L[i][k]·D[k]·L[j][k].
        var diag = [Double](repeating: 0, count: n)
        var l1 = [Double](repeating: 0, count: n)  // L[i][i−1]
        var l2v = [Double](repeating: 0, count: n)  // L[i][i−2]
        for i in 0..<n {
            if i >= 2 { l2v[i] = d2[i] / diag[i - 2] }
            if i >= 1 {
                let correction = i >= 2 ? l2v[i] * diag[i - 2] * l1[i - 1] : 0
                l1[i] = (d1[i] - correction) / diag[i - 1]
            }
            var value = d0[i]
            if i >= 1 { value -= l1[i] * l1[i] * diag[i - 1] }
            if i >= 2 { value -= l2v[i] * l2v[i] * diag[i - 2] }
            diag[i] = value
        }
        // Solve L z = x, then Lᵀ y = z / D.
        var y = x
        for i in 0..<n {
            if i >= 1 { y[i] -= l1[i] * y[i - 1] }
            if i >= 2 { y[i] -= l2v[i] * y[i - 2] }
        }
        for i in 0..<n { y[i] /= diag[i] }
        for i in stride(from: n - 1, through: 0, by: -1) {
            if i + 1 < n { y[i] -= l1[i + 1] * y[i + 1] }
            if i + 2 < n { y[i] -= l2v[i + 2] * y[i + 2] }
        }
        return y
    }
}
