import Foundation

/// One video's clips, ready to join a ``ProcessedDataset``: `clips` is n × 3 × L × S × S
/// (channel-first, as the models take it), `labels` n × L, `hr` n.
public struct SubjectChunks: Sendable {
    public var subject: Int
    public var clips: [Float]
    public var labels: [Float]
    public var hr: [Float]
    /// Per clip: true when `hr` is the mean of the sensor's HR line, false when it was estimated
    /// from the PPG waveform (no HR line). Verify scores against the sensor only where it exists.
    public var hrFromSensor: [Bool] = []
    public var count: Int { hr.count }
}

/// Non-overlapping chunks of L frames (the tail that does not fill a chunk is dropped), as
/// rPPG-Toolbox's `chunk`.
public enum Chunking {
    /// Builds chunks from transformed frames (T × S × S × 3), transformed labels (T) and the
    /// per-frame reference heart rate (T values, BPM; empty to estimate it from `rawPPG`).
    public static func chunks(subject: Int, frames: [Float], frameCount t: Int, size s: Int, labels: [Float],
                              heartRate: [Double], rawPPG: [Double], fps: Double, length l: Int) -> SubjectChunks {
        let n = l > 0 ? t / l : 0
        let plane = s * s
        var clips = [Float](repeating: 0, count: n * 3 * l * plane)
        var outLabels: [Float] = []
        var hr: [Float] = []
        var fromSensor: [Bool] = []
        frames.withUnsafeBufferPointer { src in
            clips.withUnsafeMutableBufferPointer { dst in
                for c in 0..<n {
                    channelFirst(UnsafeBufferPointer(rebasing: src[(c * l * plane * 3)..<((c + 1) * l * plane * 3)]),
                                 frames: l, size: s,
                                 into: UnsafeMutableBufferPointer(rebasing: dst[(c * 3 * l * plane)..<((c + 1) * 3 * l * plane)]))
                }
            }
        }
        for c in 0..<n {
            outLabels += labels[(c * l)..<((c + 1) * l)]
            let reference = referenceRate(heartRate: heartRate, rawPPG: rawPPG, frames: (c * l)..<((c + 1) * l), fps: fps)
            hr.append(Float(reference.bpm))
            fromSensor.append(reference.fromSensor)
        }
        return SubjectChunks(subject: subject, clips: clips, labels: outLabels, hr: hr, hrFromSensor: fromSensor)
    }

    /// DeepPhys's and TS-CAN's six channels: each clip's 3 channels of `first` (DiffNormalized),
    /// then its 3 channels of `second` (Standardized), both `count` clips × 3 × L × S × S.
    public static func stackingChannels(_ first: [Float], _ second: [Float], clips count: Int) -> [Float] {
        precondition(first.count == second.count)
        let per = count > 0 ? first.count / count : 0
        var stacked: [Float] = []
        stacked.reserveCapacity(2 * first.count)
        for c in 0..<count {
            let range = (c * per)..<((c + 1) * per)
            stacked.append(contentsOf: first[range])
            stacked.append(contentsOf: second[range])
        }
        return stacked
    }

    /// One clip in the models' layout: `frames` × S × S × 3 (frame-major, channels interleaved)
    /// to 3 × `frames` × S × S (channel-first), the order a `[N, 3, T, S, S]` tensor holds.
    public static func channelFirst(_ src: UnsafeBufferPointer<Float>, frames l: Int, size s: Int,
                                    into dst: UnsafeMutableBufferPointer<Float>) {
        let plane = s * s
        precondition(src.count >= l * plane * 3 && dst.count >= l * plane * 3)
        for k in 0..<l {
            let f = k * plane * 3
            for ch in 0..<3 {
                let o = (ch * l + k) * plane
                for p in 0..<plane { dst[o + p] = src[f + p * 3 + ch] }
            }
        }
    }

    /// The reference heart rate of the clip covering `frames`: the mean of the sensor's HR line
    /// when it has a value there, else the dominant rate of the PPG waveform (`fromSensor` false).
    public static func referenceRate(heartRate: [Double], rawPPG: [Double], frames: Range<Int>,
                                     fps: Double) -> (bpm: Double, fromSensor: Bool) {
        if heartRate.count >= frames.upperBound, heartRate[frames].contains(where: { $0 > 0 }) {
            return (heartRate[frames].reduce(0, +) / Double(frames.count), true)
        }
        let ppg = rawPPG[min(frames.lowerBound, rawPPG.count)..<min(rawPPG.count, frames.upperBound)]
        return (dominantRate(Array(ppg), fps: fps), false)
    }

    /// Pulse rate (BPM) of the strongest spectral line in 0.75–2.5 Hz (a 0.5 BPM grid, mean removed).
    public static func dominantRate(_ x: [Double], fps: Double) -> Double {
        guard x.count > 2 else { return 0 }
        let m = x.reduce(0, +) / Double(x.count)
        var best = 0.0, bestPower = -1.0
        var bpm = 45.0
        while bpm <= 150 {
            let w = 2 * Double.pi * bpm / 60 / fps
            var re = 0.0, im = 0.0
            for (i, v) in x.enumerated() { re += (v - m) * cos(w * Double(i)); im += (v - m) * sin(w * Double(i)) }
            let p = re * re + im * im
            if p > bestPower { bestPower = p; best = bpm }
            bpm += 0.5
        }
        return best
    }
}
