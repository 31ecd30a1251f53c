import Foundation

/// Linear filtering as `scipy.signal.lfilter`, `lfilter_zi` and `filtfilt` (default odd
/// padding), in double precision.
public enum ZeroPhaseFilter {
    /// `scipy.signal.lfilter(b, a, x, zi=zi)`: direct form II transposed. Returns the output
    /// and the final filter state.
    public static func lfilter(_ coefficients: IIRCoefficients, _ x: [Double], initialState: [Double]? = nil)
        -> (output: [Double], state: [Double])
    {
        let (b, a) = normalized(coefficients)
        let order = b.count - 1
        var z = initialState ?? [Double](repeating: 0, count: order)
        precondition(z.count == order, "lfilter: initial state must have \(order) values")
        var y = [Double](repeating: 0, count: x.count)
        if order == 0 {
            for i in 0..<x.count { y[i] = b[0] * x[i] }
            return (y, z)
        }
        for n in 0..<x.count {
            let xn = x[n]
            let yn = b[0] * xn + z[0]
            for i in 0..<(order - 1) { z[i] = b[i + 1] * xn + z[i + 1] - a[i + 1] * yn }
            z[order - 1] = b[order] * xn - a[order] * yn
            y[n] = yn
        }
        return (y, z)
    }

    /// `scipy.signal.lfilter_zi(b, a)`: the steady-state initial condition for a unit step input.
    public static func steadyStateInitialConditions(_ coefficients: IIRCoefficients) -> [Double] {
        let (b, a) = normalized(coefficients)
        let n = b.count
        guard n > 1 else { return [] }
        // (I − Aᵀ) zi = b[1:] − a[1:]·b[0], A the companion matrix of a.
        let m = n - 1
        var matrix = [[Double]](repeating: [Double](repeating: 0, count: m), count: m)
        for i in 0..<m {
            matrix[i][i] = 1
            matrix[i][0] += a[i + 1]  // −(companionᵀ) first column is +a[1:]
            if i + 1 < m { matrix[i][i + 1] -= 1 }  // companionᵀ has ones on the superdiagonal
        }
        let rhs = (0..<m).map { b[$0 + 1] - a[$0 + 1] * b[0] }
        return solve(matrix, rhs)
    }

    /// Default pad length of `filtfilt`: `3·max(len(a), len(b))`.
    public static func defaultPadLength(_ coefficients: IIRCoefficients) -> Int {
        3 * max(coefficients.a.count, coefficients.b.count)
    }

    /// `scipy.signal.filtfilt(b, a, x)`: odd extension by `padlen` samples at both ends,
    /// forward and backward passes started from `lfilter_zi` scaled by the first sample.
    /// Throws when the signal is not longer than the pad length (scipy raises there too).
    public static func filtfilt(_ coefficients: IIRCoefficients, _ x: [Double]) throws -> [Double] {
        let edge = defaultPadLength(coefficients)
        guard x.count > edge else {
            throw SignalError.signalTooShort(
                length: x.count, needed: edge + 1, context: "Zero-phase band-pass filter")
        }
        let n = x.count
        var extended = [Double](repeating: 0, count: n + 2 * edge)
        for i in 0..<edge { extended[i] = 2 * x[0] - x[edge - i] }
        for i in 0..<n { extended[edge + i] = x[i] }
        for i in 0..<edge { extended[edge + n + i] = 2 * x[n - 1] - x[n - 2 - i] }
        let zi = steadyStateInitialConditions(coefficients)
        let forward = lfilter(coefficients, extended, initialState: zi.map { $0 * extended[0] }).output
        let reversed = Array(forward.reversed())
        let backward = lfilter(coefficients, reversed, initialState: zi.map { $0 * reversed[0] }).output
        var out = [Double](repeating: 0, count: n)
        // The backward pass ran on the reversed signal: undo the reversal while trimming.
        let total = backward.count
        for i in 0..<n { out[i] = backward[total - 1 - (edge + i)] }
        return out
    }

    /// b and a padded to the same length and divided by a[0], as scipy does.
    static func normalized(_ c: IIRCoefficients) -> (b: [Double], a: [Double]) {
        let n = max(c.a.count, c.b.count)
        let a0 = c.a[0]
        var b = c.b.map { $0 / a0 }
        var a = c.a.map { $0 / a0 }
        b += [Double](repeating: 0, count: n - b.count)
        a += [Double](repeating: 0, count: n - a.count)
        return (b, a)
    }

    /// Gaussian elimination with partial pivoting for the small (order ≤ ~20) zi system.
    static func solve(_ matrix: [[Double]], _ rhs: [Double]) -> [Double] {
        var m = matrix
        var v = rhs
        let n = v.count
        for col in 0..<n {
            var pivot = col
            for r in (col + 1)..<max(col + 1, n) where abs(m[r][col]) > abs(m[pivot][col]) { pivot = r }
            if pivot != col {
                m.swapAt(pivot, col)
                v.swapAt(pivot, col)
            }
            let p = m[col][col]
            for r in (col + 1)..<max(col + 1, n) {
                let f = m[r][col] / p
                if f == 0 { continue }
                for c in col..<n { m[r][c] -= f * m[col][c] }
                v[r] -= f * v[col]
            }
        }
        var x = [Double](repeating: 0, count: n)
        for r in stride(from: n - 1, through: 0, by: -1) {
            var s = v[r]
            for c in (r + 1)..<max(r + 1, n) { s -= m[r][c] * x[c] }
            x[r] = s / m[r][r]
        }
        return x
    }
}
