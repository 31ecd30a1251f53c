import Foundation
import RPPG
import Testing

@Suite struct HeartRateTests {
    @Test func fftPeakAndSNRMatchToolbox() throws {
        let fixture = try SignalFixtures.load("heart_rate.json")
        let x = try fixture.doubles("x")
        let fs = try fixture.double("fs")
        for b in try fixture.objects("bands") {
            let band = FrequencyBand(low: try b.double("low"), high: try b.double("high"))
            #expect(abs(HeartRate.fft(x, fs: fs, band: band) - (try b.double("fft"))) < 1e-9)
            let snr = HeartRate.snr(x, referenceHR: 75, fs: fs, band: band)
            #expect(abs(snr - (try b.double("snr"))) < 1e-6 * max(1, abs(try b.double("snr"))))
        }
        #expect(PeakFinder.peaks(x) == (try fixture.doubles("peaks")).map { Int($0) })
        #expect(abs(HeartRate.peak(x, fs: fs) - (try fixture.double("peak_hr"))) < 1e-9)
    }

    @Test func peaksHandlePlateausAsScipy() throws {
        let fixture = try SignalFixtures.load("heart_rate.json")
        let plateau = try fixture.doubles("plateau")
        #expect(PeakFinder.peaks(plateau) == (try fixture.doubles("plateau_peaks")).map { Int($0) })
    }

    @Test func sineHeartRateIsRecovered() {
        let fs = 30.0
        let x = (0..<600).map { sin(2 * Double.pi * 1.25 * Double($0) / fs) }
        // 75 BPM; the FFT bin width at nfft 1024 is 30/1024 Hz ≈ 1.76 BPM.
        #expect(abs(HeartRate.fft(x, fs: fs) - 75) < 1.8)
        #expect(abs(HeartRate.peak(x, fs: fs) - 75) < 0.5)
        #expect(HeartRate.peak([1, 2, 3], fs: fs).isNaN)
    }
}
