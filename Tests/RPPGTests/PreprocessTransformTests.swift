import Foundation
import RPPG
import Testing

@Suite struct PreprocessTransformTests {
    func close(_ a: [Float], _ b: [Float], _ tol: Float) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs($0.0 - $0.1) <= tol * max(1, abs($0.1)) }
    }

    @Test func diffNormalizedAndStandardizedMatchRPPGToolbox() throws {
        let video = try VideoFixtures.floats("transform_video.f32")
        let t = 12
        var d = video
        InputTransform.apply(.diffNormalized, frames: &d, frameCount: t)
        #expect(close(d, try VideoFixtures.floats("transform_diffnormalized.f32"), 1e-5))
        #expect(d.suffix(60).allSatisfy { $0 == 0 }, "the appended frame is zero")
        var s = video
        InputTransform.apply(.standardized, frames: &s, frameCount: t)
        #expect(close(s, try VideoFixtures.floats("transform_standardized.f32"), 1e-5))
        var r = video
        InputTransform.apply(.raw, frames: &r, frameCount: t)
        #expect(r == video)
    }

    @Test func labelsMatchRPPGToolbox() throws {
        let label = try VideoFixtures.doubles("transform_label.f64")
        #expect(close(InputTransform.label(.diffNormalized, label), try VideoFixtures.floats("transform_label_diffnormalized.f32"), 1e-6))
        #expect(close(InputTransform.label(.standardized, label), try VideoFixtures.floats("transform_label_standardized.f32"), 1e-6))
        #expect(InputTransform.label(.raw, label) == label.map { Float($0) })
    }

    @Test func constantInputGivesZerosNotNaN() {
        var frames = [Float](repeating: 0, count: 4 * 6)
        InputTransform.apply(.diffNormalized, frames: &frames, frameCount: 4)
        #expect(frames.allSatisfy { $0 == 0 })
        #expect(InputTransform.label(.diffNormalized, [1, 1, 1]).allSatisfy { $0 == 0 })
    }

    @Test func chunksAreNonOverlappingChannelFirstAndDropTheTail() {
        // 7 frames of 2×2 RGB, value = frame*100 + pixel*3 + channel; chunks of 3 → 2 chunks.
        let s = 2, t = 7
        let frames = (0..<(t * s * s * 3)).map { i -> Float in Float((i / 12) * 100 + (i % 12)) }
        let labels = (0..<t).map { Float($0) }
        let c = Chunking.chunks(subject: 4, frames: frames, frameCount: t, size: s, labels: labels,
                                heartRate: [60, 70, 80, 90, 100, 110, 120],
                                rawPPG: [Double](repeating: 0, count: t), fps: 30, length: 3)
        #expect(c.count == 2)
        #expect(c.labels == [0, 1, 2, 3, 4, 5])
        // clips[chunk 1, channel 2, frame 1, pixel 3] = frame 4, pixel 3, channel 2.
        #expect(c.clips[((1 * 3 + 2) * 3 + 1) * 4 + 3] == Float(4 * 100 + 3 * 3 + 2))
        #expect(c.hr == [70, 100])
    }

    @Test func heartRateFromThePPGWhenTheSensorHasNone() {
        let fps = 30.0
        let ppg = (0..<256).map { sin(2 * Double.pi * 1.5 * Double($0) / fps) }
        #expect(abs(Chunking.dominantRate(ppg, fps: fps) - 90) <= 0.5)
    }

    @Test func inputTypeNamesParse() {
        #expect(InputType(name: "DiffNormalized") == .diffNormalized)
        #expect(InputType(name: "standardized") == .standardized)
        #expect(InputType(name: "RAW") == .raw)
        #expect(InputType(name: "bogus") == nil)
    }
}
