import Foundation
import RPPG
import Testing

@Suite struct EvaluationTests {
    struct Video {
        var id: Int
        var chunks: [String: [[Float]]]
        var expected: [String: Any]
    }

    func videos() throws -> (fs: Double, videos: [Video]) {
        let f = try SignalFixtures.load("evaluation.json")
        let list = try f.objects("videos").map { v in
            Video(
                id: Int(try v.double("id")),
                chunks: try Dictionary(uniqueKeysWithValues: ["diff_pred", "diff_label", "raw_pred", "raw_label"].map { key in
                    (key, try v.matrix(key).map { $0.map(Float.init) })
                }),
                expected: try #require(v["expected"] as? [String: Any]))
        }
        return (try f.double("fs"), list)
    }

    func check(_ got: WindowHeartRate, _ triple: [Double], _ context: String) {
        #expect(abs(got.predicted - triple[0]) < 1e-9, "\(context) predicted")
        #expect(abs(got.truth - triple[1]) < 1e-9, "\(context) truth")
        #expect(abs(got.snr - triple[2]) < 1e-6 * max(1, abs(triple[2])), "\(context) SNR \(got.snr) vs \(triple[2])")
    }

    @Test func perVideoMatchesCalculateMetricPerVideo() throws {
        let (fs, videos) = try videos()
        for kind in ["diff", "raw"] {
            // Interleave the videos' chunks: the evaluation must regroup them by ID, in order.
            var predictions: [[Float]] = [], labels: [[Float]] = [], ids: [Int] = []
            let maxChunks = videos.map { $0.chunks["\(kind)_pred"]!.count }.max()!
            for c in 0..<maxChunks {
                for v in videos where c < v.chunks["\(kind)_pred"]!.count {
                    predictions.append(v.chunks["\(kind)_pred"]![c])
                    labels.append(v.chunks["\(kind)_label"]![c])
                    ids.append(v.id)
                }
            }
            for (suffix, options) in [
                ("fft", HeartRateEvaluationOptions()),
                ("peak", HeartRateEvaluationOptions(method: .peak)),
                ("fft_order2", HeartRateEvaluationOptions(filterOrder: 2)),
            ] {
                let results = HeartRateEvaluation.evaluate(predictions: predictions, labels: labels, videoIDs: ids, fps: fs, diffNormalized: kind == "diff", options: options)
                #expect(results.map(\.video) == videos.map(\.id).sorted())
                for r in results {
                    let v = videos.first { $0.id == r.video }!
                    let triple = try #require(v.expected["\(kind)_\(suffix)"] as? [NSNumber]).map(\.doubleValue)
                    check(r, triple, "video \(r.video) \(kind) \(suffix)")
                }
            }
            let contract = HeartRateEvaluation.perVideo(predictions: predictions, labels: labels, videoIDs: ids, fps: fs, diffNormalized: kind == "diff")
            for r in contract {
                let v = videos.first { $0.id == r.video }!
                let triple = try #require(v.expected["\(kind)_fft"] as? [NSNumber]).map(\.doubleValue)
                #expect(abs(r.predicted - triple[0]) < 1e-9 && abs(r.truth - triple[1]) < 1e-9)
            }
        }
    }

    @Test func perWindowEvaluationMatchesToolboxWindows() throws {
        let (fs, videos) = try videos()
        for kind in ["diff", "raw"] {
            for v in videos {
                let results = HeartRateEvaluation.evaluate(
                    predictions: v.chunks["\(kind)_pred"]!, labels: v.chunks["\(kind)_label"]!,
                    videoIDs: Array(repeating: v.id, count: v.chunks["\(kind)_pred"]!.count),
                    fps: fs, diffNormalized: kind == "diff", options: HeartRateEvaluationOptions(windowSeconds: 5))
                let expected = try #require(v.expected["\(kind)_window5"] as? [[NSNumber]])
                #expect(results.count == expected.count)
                for (r, e) in zip(results, expected) { check(r, e.map(\.doubleValue), "video \(v.id) \(kind) window \(r.window)") }
            }
        }
    }

    @Test func chunkIndicesOrderTheConcatenation() throws {
        let (fs, videos) = try videos()
        let v = videos[0]
        let chunks = v.chunks["diff_pred"]!, labels = v.chunks["diff_label"]!
        let order = Array(chunks.indices.reversed())
        let shuffled = HeartRateEvaluation.evaluate(
            predictions: order.map { chunks[$0] }, labels: order.map { labels[$0] },
            videoIDs: Array(repeating: v.id, count: chunks.count), chunkIndices: order, fps: fs, diffNormalized: true)
        let triple = try #require(v.expected["diff_fft"] as? [NSNumber]).map(\.doubleValue)
        #expect(shuffled.count == 1)
        check(shuffled[0], triple, "reordered chunks")
    }
}
