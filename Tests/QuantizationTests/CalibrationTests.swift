import Testing
import NN
import TensorCore
import Quantization

/// Calibration, the full quantizer, the fake-quant executor and the report on the hand-made graph.
@Suite struct CalibrationTests {
    static func clips() -> [Tensor] {
        (0..<3).map { k in
            Tensor(shape: [1, 1, 2, 2], scalars: (0..<4).map { Float($0 + k) * 0.75 - 1.5 })
        }
    }

    @Test func minMaxRangesAreMinAndMaxOverAllClips() throws {
        let g = QDQInsertionTests.graph()
        let r = try Calibrator.ranges(g, clipCount: 3, clip: { Self.clips()[$0] }, options: QuantizationOptions(),
                                      runner: TinyFloatRunner.factory)
        // input values: k·0.75 + {-1.5, -0.75, 0, 0.75}, k = 0, 1, 2 → [-1.5, 2.25].
        #expect(r["input"] == TensorRange(min: -1.5, max: 2.25))
        // c1 = 0.5·x + 0.1 (channel 0), -0.25·x (channel 1).
        let (b0, w0, w1, lo, hi): (Float, Float, Float, Float, Float) = (0.1, 0.5, -0.25, -1.5, 2.25)
        #expect(r["c1"]?.max == b0 + w0 * hi)
        #expect(r["c1"]?.min == min(b0 + w0 * lo, 0 + w1 * hi))
        #expect(r["r1"]?.min == 0)
        #expect(Set(r.keys) == Set(QDQRule.tensorsToCalibrate(g)))
    }

    @Test func noClipsAndBadClipsAreClearErrors() {
        let g = QDQInsertionTests.graph()
        #expect(throws: QuantizationError.noCalibrationData) {
            try Calibrator.ranges(g, clipCount: 0, clip: { _ in Tensor(zeros: [1]) }, options: QuantizationOptions(), runner: TinyFloatRunner.factory)
        }
        let nan = Tensor(shape: [1, 1, 2, 2], scalars: [0, .nan, 1, 2] as [Float])
        #expect(throws: QuantizationError.self) {
            try Calibrator.ranges(g, clipCount: 1, clip: { _ in nan }, options: QuantizationOptions(), runner: TinyFloatRunner.factory)
        }
        let wrong = Tensor(zeros: [1, 2, 2, 2])
        #expect(throws: QuantizationError.self) {
            try Calibrator.ranges(g, clipCount: 1, clip: { _ in wrong }, options: QuantizationOptions(), runner: TinyFloatRunner.factory)
        }
    }

    @Test func histogramMethodsGiveRangesInsideMinMax() throws {
        let g = QDQInsertionTests.graph()
        let mm = try Calibrator.ranges(g, clipCount: 3, clip: { Self.clips()[$0] }, options: QuantizationOptions(), runner: TinyFloatRunner.factory)
        for method in [CalibrationMethod.percentile, .entropy] {
            let r = try Calibrator.ranges(g, clipCount: 3, clip: { Self.clips()[$0] },
                                          options: QuantizationOptions(method: method), runner: TinyFloatRunner.factory)
            for (name, m) in mm {
                let h = try #require(r[name])
                #expect(h.min >= m.min && h.max <= m.max, "\(method) \(name)")
            }
            if method == .entropy { #expect(r == mm) }  // one candidate threshold with ORT's 128 bins
        }
    }

    @Test func fakeQuantAndReportAgreeWithFloatWithinTheGrid() throws {
        let g = QDQInsertionTests.graph()
        let clips = Self.clips()
        let result = try QDQQuantizer.quantize(g, calibration: clips, runner: TinyFloatRunner.factory)
        let fake = try FakeQuantExecutor(graph: result.graph, runner: TinyFloatRunner.factory)
        let reference = try FakeQuantExecutor(graph: g, runner: TinyFloatRunner.factory)  // no Q/DQ: plain float
        let y = try fake.run(clips[1]).floatValues()
        let ref = try reference.run(clips[1]).floatValues()
        let outScale = result.graph.initializers["output_scale"]!.scalars(as: Float.self)[0]
        for (a, b) in zip(y, ref) { #expect(abs(a - b) < 4 * outScale + 0.05, "\(a) vs \(b)") }
        // The output of the fake-quant graph lies on its int8 grid.
        let zp = Float(result.graph.initializers["output_zero_point"]!.scalars(as: Int8.self)[0])
        for a in y {
            let q = a / outScale + zp
            #expect(abs(q - q.rounded()) < 1e-3)
        }
        let report = result.layerReport
        #expect(report.clipCount == 3)
        #expect(report.layers.map(\.tensor) == ["input", "r1", "p1", "c2", "e2", "output"])
        for l in report.layers { #expect(l.sqnrDB > 15, "\(l.tensor) \(l.sqnrDB) dB") }
        #expect(report.layers[0].sqnrDB == report.layers[0].localSQNRdB)  // the input has no upstream error
        #expect(report.text.contains("output SQNR"))
    }
}
