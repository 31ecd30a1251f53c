import Foundation

/// Radix-2 fast Fourier transform. The periodogram pads to the next power of two, so powers of
/// two are all the signal chain needs.
public enum FFT {
    /// The smallest power of two ≥ `n` (1 for `n` ≤ 1), as rPPG-Toolbox's `_next_power_of_2`.
    public static func nextPowerOfTwo(_ n: Int) -> Int {
        var p = 1
        while p < n { p <<= 1 }
        return p
    }

    /// In-place forward DFT `X[k] = Σ x[n]·e^(−2πikn/N)` of `real`/`imaginary` (same length, a
    /// power of two).
    public static func transform(real: inout [Double], imaginary: inout [Double]) {
        let n = real.count
        precondition(n == imaginary.count && n > 0 && n & (n - 1) == 0, "FFT length must be a power of two")
        if n == 1 { return }
        // Twiddles computed directly (not by recurrence) so that rounding does not accumulate.
        let half = n / 2
        var cosines = [Double](repeating: 0, count: half)
        var sines = [Double](repeating: 0, count: half)
        for k in 0..<half {
            let angle = -2.0 * Double.pi * Double(k) / Double(n)
            cosines[k] = cos(angle)
            sines[k] = sin(angle)
        }
        real.withUnsafeMutableBufferPointer { re in
            imaginary.withUnsafeMutableBufferPointer { im in
                // Bit-reversal permutation.
                var j = 0
                for i in 1..<n {
                    var bit = n >> 1
                    while j & bit != 0 {
                        j ^= bit
                        bit >>= 1
                    }
                    j |= bit
                    if i < j {
                        re.swapAt(i, j)
                        im.swapAt(i, j)
                    }
                }
                var size = 2
                while size <= n {
                    let step = n / size
                    let halfSize = size / 2
                    var start = 0
                    while start < n {
                        for k in 0..<halfSize {
                            let wr = cosines[k * step]
                            let wi = sines[k * step]
                            let a = start + k
                            let b = a + halfSize
                            let tr = re[b] * wr - im[b] * wi
                            let ti = re[b] * wi + im[b] * wr
                            re[b] = re[a] - tr
                            im[b] = im[a] - ti
                            re[a] += tr
                            im[a] += ti
                        }
                        start += size
                    }
                    size <<= 1
                }
            }
        }
    }

    /// Squared magnitudes |X[k]|², k = 0…nfft/2, of the real signal `x` zero-padded (or
    /// truncated) to `nfft` (a power of two).
    public static func realPowerSpectrum(_ x: [Double], nfft: Int) -> [Double] {
        var re = [Double](repeating: 0, count: nfft)
        var im = [Double](repeating: 0, count: nfft)
        for i in 0..<min(nfft, x.count) { re[i] = x[i] }
        transform(real: &re, imaginary: &im)
        return (0...(nfft / 2)).map { re[$0] * re[$0] + im[$0] * im[$0] }
    }
}
