import Foundation
import RPPG
import Testing

@Suite struct PeriodogramTests {
    @Test func matchesScipyPeriodogram() throws {
        let fixture = try SignalFixtures.load("periodogram.json")
        let x = try fixture.doubles("x")
        let fs = try fixture.double("fs")
        for c in try fixture.objects("cases") {
            let detrend = Periodogram.Detrend(rawValue: try #require(c["detrend"] as? String))!
            let nfft = Int(try c.double("nfft"))
            let spectrum = Periodogram.compute(x, fs: fs, nfft: nfft, detrend: detrend)
            let f = try c.doubles("frequencies"), p = try c.doubles("power")
            #expect(spectrum.frequencies.count == f.count)
            #expect(maxRelativeError(spectrum.frequencies, f) < 1e-12)
            #expect(maxRelativeError(spectrum.power, p) < 1e-9, "detrend \(detrend) nfft \(nfft)")
        }
    }

    @Test func fftMatchesPlainDFT() {
        let n = 64
        let x = (0..<n).map { sin(Double($0) * 0.37) + 0.1 * Double($0 % 5) }
        var re = x, im = [Double](repeating: 0, count: n)
        FFT.transform(real: &re, imaginary: &im)
        for k in [0, 1, 7, 31, 32, 63] {
            var sr = 0.0, si = 0.0
            for t in 0..<n {
                let angle = -2 * Double.pi * Double(k * t) / Double(n)
                sr += x[t] * cos(angle)
                si += x[t] * sin(angle)
            }
            #expect(abs(re[k] - sr) < 1e-10 && abs(im[k] - si) < 1e-10, "bin \(k)")
        }
        #expect(FFT.nextPowerOfTwo(300) == 512 && FFT.nextPowerOfTwo(256) == 256 && FFT.nextPowerOfTwo(0) == 1)
    }
}
