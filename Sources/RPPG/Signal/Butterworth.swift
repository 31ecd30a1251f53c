import Foundation

/// Transfer-function coefficients `b` (numerator) and `a` (denominator, `a[0] = 1`) of a
/// digital IIR filter, in scipy's `(b, a)` convention.
public struct IIRCoefficients: Sendable, Equatable {
    public var b: [Double]
    public var a: [Double]
    public init(b: [Double], a: [Double]) {
        self.b = b
        self.a = a
    }
}

/// Digital Butterworth filter design, as `scipy.signal.butter(order, [low, high],
/// btype='bandpass', fs=fs)`: analog prototype poles, frequencies prewarped for the bilinear
/// transform, low-pass → band-pass transform, bilinear transform, zeros/poles → polynomials.
public enum Butterworth {
    /// Band-pass filter of the given order (the result has `2·order + 1` coefficients each).
    public static func bandPass(order: Int = 1, low: Double, high: Double, fs: Double) throws
        -> IIRCoefficients
    {
        guard order >= 1 else { throw SignalError.invalidOrder(order) }
        let nyquist = fs / 2
        guard fs > 0, low > 0, low < high, high < nyquist else {
            throw SignalError.invalidBand(low: low, high: high, fs: fs)
        }
        // scipy normalises to Wn = f/(fs/2) and designs with a nominal fs of 2.
        let designFs = 2.0
        let wn = [low / nyquist, high / nyquist]
        let warped = wn.map { 2 * designFs * tan(Double.pi * $0 / designFs) }
        let bandwidth = warped[1] - warped[0]
        let center = (warped[0] * warped[1]).squareRoot()

        // Analog prototype (buttap): no zeros, poles on the left unit half-circle, gain 1.
        var prototype: [ComplexDouble] = []
        for m in stride(from: -order + 1, to: order, by: 2) {
            let theta = Double.pi * Double(m) / Double(2 * order)
            // −exp(iθ)
            prototype.append(ComplexDouble(-cos(theta), -sin(theta)))
        }

        // lp2bp_zpk: each pole p → p·bw/2 ± sqrt((p·bw/2)² − ω₀²); `order` zeros at the origin.
        var poles: [ComplexDouble] = []
        var upper: [ComplexDouble] = []
        var lower: [ComplexDouble] = []
        let w0sq = ComplexDouble(center * center)
        for p in prototype {
            let scaled = (bandwidth / 2) * p
            let root = (scaled * scaled - w0sq).squareRoot
            upper.append(scaled + root)
            lower.append(scaled - root)
        }
        poles = upper + lower
        let analogZeros = [ComplexDouble](repeating: ComplexDouble(0), count: order)
        var gain = pow(bandwidth, Double(order))

        // bilinear_zpk with fs = 2: z → (2fs + z)/(2fs − z); the missing zeros go to −1.
        let fs2 = ComplexDouble(2 * designFs)
        let digitalZeros =
            analogZeros.map { (fs2 + $0) / (fs2 - $0) }
            + [ComplexDouble](repeating: ComplexDouble(-1), count: poles.count - analogZeros.count)
        let digitalPoles = poles.map { (fs2 + $0) / (fs2 - $0) }
        var numeratorProduct = ComplexDouble(1)
        for z in analogZeros { numeratorProduct = numeratorProduct * (fs2 - z) }
        var denominatorProduct = ComplexDouble(1)
        for p in poles { denominatorProduct = denominatorProduct * (fs2 - p) }
        gain *= (numeratorProduct / denominatorProduct).real

        // zpk2tf: conjugate pairs make the polynomials real.
        let b = polynomial(fromRoots: digitalZeros).map { gain * $0.real }
        let a = polynomial(fromRoots: digitalPoles).map { $0.real }
        return IIRCoefficients(b: b, a: a)
    }

    /// Coefficients, highest power first, of Π(x − rᵢ) (numpy's `poly`).
    static func polynomial(fromRoots roots: [ComplexDouble]) -> [ComplexDouble] {
        var coefficients = [ComplexDouble(1)]
        for r in roots {
            var next = coefficients + [ComplexDouble(0)]
            for i in 0..<coefficients.count { next[i + 1] = next[i + 1] - r * coefficients[i] }
            coefficients = next
        }
        return coefficients
    }
}
