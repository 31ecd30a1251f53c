import Foundation
import RPPG
import Testing

@Suite struct MetricsTests {
    @Test func metricsAndStandardErrorsMatchToolbox() throws {
        let f = try SignalFixtures.load("metrics.json")
        let m = HRMetrics.compute(predicted: try f.doubles("predicted"), truth: try f.doubles("truth"), snr: try f.doubles("snr"))
        func close(_ a: Double?, _ key: String) throws {
            let b = try f.double(key)
            #expect(abs((a ?? .nan) - b) <= 1e-12 * max(1, abs(b)), "\(key)")
        }
        #expect(m.count == 6)
        try close(m.mae, "mae"); try close(m.maeStandardError, "mae_se")
        try close(m.rmse, "rmse"); try close(m.rmseStandardError, "rmse_se")
        try close(m.mape, "mape"); try close(m.mapeStandardError, "mape_se")
        try close(m.pearson, "pearson"); try close(m.pearsonStandardError, "pearson_se")
        try close(m.snr, "snr_mean"); try close(m.snrStandardError, "snr_se")
    }

    @Test func perfectPredictionHasZeroError() {
        let m = HRMetrics.compute(predicted: [60, 80, 100], truth: [60, 80, 100])
        #expect(m.mae == 0 && m.rmse == 0 && m.mape == 0)
        #expect(abs(m.pearson - 1) < 1e-15)
        #expect(m.snr == nil)
    }
}
