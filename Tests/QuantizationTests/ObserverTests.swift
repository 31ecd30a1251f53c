import Foundation
import Testing
import TensorCore
import Quantization

@Suite struct ObserverTests {
    @Test func minMaxIgnoresNaNAndMergesBatches() {
        var a = MinMaxObserver()
        a.observe(Tensor(shape: [4], scalars: [1, -2, .nan, 0.5] as [Float]))
        var b = MinMaxObserver()
        b.observe(Tensor(shape: [2], scalars: [3, -0.25] as [Float]))
        a.merge(b)
        #expect(a.range.min == -2 && a.range.max == 3)
        #expect(a.absMin == 0.25 && a.absMax == 3)
        #expect(a.count == 5)
        #expect(MinMaxObserver().range == (0, 0) || MinMaxObserver().range.min == 0)
    }

    @Test func histogramBinsLikeNumpy() {
        var h = Histogram(bins: 4, first: 0, last: 1)
        #expect(h.edges == [0, 0.25, 0.5, 0.75, 1])
        let v: [Float] = [0, 0.25, 0.5, 1.0, 0.99, 1.5, -0.1]
        v.withUnsafeBufferPointer { h.add($0, absolute: false) }
        // Left-closed bins, last bin closed; 1.5 and -0.1 fall outside and are dropped.
        #expect(h.counts == [1, 1, 1, 2])
        // An empty range widens by ±0.5 as np.histogram does.
        #expect(Histogram.uniformEdges(bins: 2, first: 3, last: 3) == [2.5, 3, 3.5])
    }

    @Test func percentileTakesLowerEdgeOfCrossingBinAndClipsToObservedRange() {
        // |x| for 0...99 over 100 bins of width 0.99: the 90th percentile bin's lower edge.
        var mm = MinMaxObserver()
        let values = (0..<100).map { Float($0) }
        values.withUnsafeBufferPointer { mm.observe($0) }
        var o = HistogramObserver(kind: .absolute, binCount: 100, fixedRange: mm)
        values.withUnsafeBufferPointer { o.observe($0) }
        let r = o.percentileRange(90)
        // cdf reaches 0.9 at bin 89 (90 values); its lower edge is 89·0.99. The low side clips to min 0.
        #expect(r.min == 0)
        #expect(abs(r.max - 89 * 0.99) < 1e-4)
    }

    @Test func entropyWithOneCandidateEqualsMinMax() {
        var mm = MinMaxObserver()
        let values: [Float] = (0..<1000).map { Float(sin(Double($0))) * 3 - 0.5 }
        values.withUnsafeBufferPointer { mm.observe($0) }
        var o = HistogramObserver(kind: .signed, binCount: 128, fixedRange: mm)
        values.withUnsafeBufferPointer { o.observe($0) }
        let r = o.entropyRange(quantizedBins: 128)
        #expect(r.min == mm.min && r.max == mm.max)
    }

    /// ORT's HistogramCollector fed three batches in three `collect` calls (re-binning as the range grows).
    @Test func streamingHistogramsMergeAsORT() throws {
        let url = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
            .appendingPathComponent("quant/histogram_merge.json")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let batches = try #require(json["batches"] as? [[Double]]).map { $0.map { Float($0) } }
        for (method, kind) in [("percentile", HistogramObserver.Kind.absolute), ("entropy", .signed)] {
            let ref = try #require(json[method] as? [String: Any])
            let bins = try #require(ref["bins"] as? Int)
            var o = HistogramObserver(kind: kind, binCount: bins)
            for b in batches { b.withUnsafeBufferPointer { o.observe($0) } }
            let h = try #require(o.histogram)
            let refHist = try #require(ref["hist"] as? [Int]).map { Int64($0) }
            let refEdges = try #require(ref["edges"] as? [Double]).map { Float($0) }
            #expect(h.counts == refHist, "\(method) counts")
            #expect(h.edges.count == refEdges.count)
            for (a, b) in zip(h.edges, refEdges) { #expect(abs(a - b) <= 1e-6 * max(1, abs(b)), "\(method) edge") }
            let range = try #require(ref["range"] as? [Double]).map { Float($0) }
            let got = method == "percentile" ? o.percentileRange(99) : o.entropyRange(quantizedBins: 16)
            #expect(got.min == range[0] && got.max == range[1], "\(method) range \(got) vs \(range)")
        }
    }
}

/// `quantize_static` gives ORT's collector every batch in one call; the two-pass observer
/// (MinMax first, then fixed bins) must give the same histogram and threshold.
@Suite struct OneShotHistogramTests {
    @Test(arguments: ["oneshot_percentile", "oneshot_entropy", "oneshot_entropy_wide"])
    func twoPassEqualsORTOneShot(_ key: String) throws {
        let url = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
            .appendingPathComponent("quant/histogram_merge.json")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let batches = try #require(json["batches"] as? [[Double]]).map { $0.map { Float($0) } }
        let ref = try #require(json[key] as? [String: Any])
        let bins = try #require(ref["bins"] as? Int)
        let kind: HistogramObserver.Kind = key == "oneshot_percentile" ? .absolute : .signed
        var mm = MinMaxObserver()
        for b in batches { b.withUnsafeBufferPointer { mm.observe($0) } }
        var o = HistogramObserver(kind: kind, binCount: bins, fixedRange: mm)
        for b in batches { b.withUnsafeBufferPointer { o.observe($0) } }
        let h = try #require(o.histogram)
        #expect(h.counts == (try #require(ref["hist"] as? [Int])).map { Int64($0) })
        #expect(h.edges == (try #require(ref["edges"] as? [Double])).map { Float($0) })
        let range = try #require(ref["range"] as? [Double]).map { Float($0) }
        let got = kind == .absolute
            ? o.percentileRange(try #require(ref["percentile"] as? Double))
            : o.entropyRange(quantizedBins: try #require(ref["quantized_bins"] as? Int))
        #expect(got.min == range[0] && got.max == range[1], "\(key): \(got) vs \(range)")
    }
}
