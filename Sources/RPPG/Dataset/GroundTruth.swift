import Foundation
import TensorCore

/// A subject's reference signals: the contact PPG waveform, the sensor's heart rate (BPM) and
/// the sample times (seconds), as stored beside a UBFC-rPPG video.
public struct GroundTruth: Sendable, Equatable {
    /// PPG waveform, one value per sample.
    public var ppg: [Double]
    /// Sensor heart rate in BPM per sample; empty when the file has none.
    public var heartRate: [Double]
    /// Sample times in seconds; empty when the file has none.
    public var times: [Double]

    public init(ppg: [Double], heartRate: [Double] = [], times: [Double] = []) {
        self.ppg = ppg
        self.heartRate = heartRate
        self.times = times
    }

    /// Largest ground-truth file read (the real ones are well under 1 MB).
    static let maxFileBytes = 256 << 20

    static func readText(_ url: URL) throws -> String {
        // FileBytes, not Foundation: Foundation leaks 4 KiB on an empty file (found by the
        // groundtruth fuzz harness, Fuzz/regressions/groundtruth/).
        do { return String(decoding: try FileBytes.read(url.path, limit: maxFileBytes), as: UTF8.self) } catch {
            switch error {
            case .missing, .notRegularFile: throw DatasetError.missingFile(path: url.path, what: "ground truth")
            case .tooLarge(let size):
                throw DatasetError.badGroundTruth(path: url.path, line: 0, reason: "file is \(size) bytes, larger than the 256 MB limit")
            case .unreadable(let reason): throw DatasetError.badGroundTruth(path: url.path, line: 0, reason: reason)
            }
        }
    }

    /// UBFC DATASET_2 `ground_truth.txt`: three lines of whitespace-separated numbers in
    /// scientific notation: PPG, HR (BPM), timestamps (s).
    public static func parseDataset2(_ url: URL) throws -> GroundTruth {
        let lines = try readText(url).split(whereSeparator: { $0 == "\n" || $0 == "\r" })
            .enumerated().filter { !$0.element.allSatisfy { $0 == " " || $0 == "\t" } }
        guard !lines.isEmpty else { throw DatasetError.badGroundTruth(path: url.path, line: 1, reason: "the file is empty") }
        func numbers(_ i: Int) throws -> [Double] {
            let (lineIndex, text) = lines[i]
            var out: [Double] = []
            for (k, token) in text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "," }).enumerated() {
                guard let v = Double(token), v.isFinite else {
                    throw DatasetError.badGroundTruth(path: url.path, line: lineIndex + 1, reason: "value \(k + 1) '\(token.prefix(40))' is not a finite number")
                }
                out.append(v)
            }
            return out
        }
        let ppg = try numbers(0)
        let hr = lines.count > 1 ? try numbers(1) : []
        let times = lines.count > 2 ? try numbers(2) : []
        guard !ppg.isEmpty else { throw DatasetError.badGroundTruth(path: url.path, line: lines[0].offset + 1, reason: "no PPG values") }
        return GroundTruth(ppg: ppg, heartRate: hr, times: times)
    }

    /// UBFC DATASET_1 `gtdump.xmp`: header-less CSV rows `time (ms), HR, SpO2, PPG`.
    public static func parseDataset1(_ url: URL) throws -> GroundTruth {
        var gt = GroundTruth(ppg: [])
        for (i, line) in try readText(url).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty { continue }
            let fields = trimmed.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count >= 4 else {
                throw DatasetError.badGroundTruth(path: url.path, line: i + 1, reason: "expected 4 comma-separated columns (time ms, HR, SpO2, PPG), found \(fields.count)")
            }
            guard let t = Double(fields[0]), let hr = Double(fields[1]), let ppg = Double(fields[3]),
                t.isFinite, hr.isFinite, ppg.isFinite
            else { throw DatasetError.badGroundTruth(path: url.path, line: i + 1, reason: "'\(trimmed.prefix(60))' holds a non-numeric value") }
            gt.times.append(t / 1000)
            gt.heartRate.append(hr)
            gt.ppg.append(ppg)
        }
        guard !gt.ppg.isEmpty else { throw DatasetError.badGroundTruth(path: url.path, line: 1, reason: "no rows") }
        return gt
    }

    /// `signal` resampled to `count` points by linear interpolation over the sample index, as
    /// rPPG-Toolbox's `resample_ppg` (np.interp over two linspaces) does.
    public static func resample(_ signal: [Double], to count: Int) -> [Double] {
        guard count > 0, !signal.isEmpty else { return [] }
        if signal.count == count { return signal }
        if signal.count == 1 || count == 1 { return [Double](repeating: signal[0], count: count) }
        let n = signal.count
        return (0..<count).map { i in
            let x = Double(i) * Double(n - 1) / Double(count - 1)
            let k = min(Int(x), n - 2)
            let f = x - Double(k)
            return signal[k] * (1 - f) + signal[k + 1] * f
        }
    }

    /// `signal` sampled at `times` (s), interpolated at frame times `i / fps` (clamped at the ends).
    public static func resample(_ signal: [Double], times: [Double], frames: Int, fps: Double) -> [Double] {
        guard signal.count == times.count, signal.count >= 2 else { return resample(signal, to: frames) }
        var out = [Double](repeating: 0, count: frames)
        var k = 0
        let t0 = times[0]
        for i in 0..<frames {
            let t = t0 + Double(i) / fps
            while k + 2 < times.count && times[k + 1] < t { k += 1 }
            let span = times[k + 1] - times[k]
            let f = span > 0 ? min(1, max(0, (t - times[k]) / span)) : 0
            out[i] = signal[k] * (1 - f) + signal[k + 1] * f
        }
        return out
    }
}
