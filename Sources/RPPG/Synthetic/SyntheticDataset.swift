import Foundation
import TensorCore

/// Writes a UBFC-rPPG DATASET_2-style folder of synthetic subjects: `subject<N>/vid.avi`
/// (uncompressed 24-bit AVI) and `ground_truth.txt` (PPG, HR, timestamps).
public enum SyntheticDataset {
    /// What to generate.
    public struct Options: Sendable {
        public var subjects: Int = 8
        public var seconds: Double = 20
        public var seed: UInt64 = 0
        public var width: Int = 160
        public var height: Int = 120
        public var fps: Double = 30
        public var threads: Int = Parallel.availableCores
        public var difficulty: SyntheticDifficulty = .standard
        public init(subjects: Int = 8, seconds: Double = 20, seed: UInt64 = 0, width: Int = 160, height: Int = 120, fps: Double = 30) {
            self.subjects = subjects
            self.seconds = seconds
            self.seed = seed
            self.width = width
            self.height = height
            self.fps = fps
        }
    }

    /// Per-subject summary: number and mean heart rate (BPM).
    public struct Written: Sendable {
        public var subject: Int
        public var meanHeartRate: Double
        public var frames: Int
    }

    /// Generates the dataset under `folder` (subjects numbered from 1).
    public static func write(to folder: URL, options: Options) throws -> [Written] {
        guard options.subjects >= 1 && options.subjects <= 10_000 else { throw TensorError.invalidArgument("--subjects must be 1…10000, got \(options.subjects)") }
        guard options.seconds > 0 && options.seconds <= 3600 else { throw TensorError.invalidArgument("--seconds must be in (0, 3600], got \(options.seconds)") }
        guard options.width >= 24 && options.height >= 24 && options.width <= 4096 && options.height <= 4096 else {
            throw TensorError.invalidArgument("--width/--height must be 24…4096, got \(options.width)×\(options.height)")
        }
        guard options.fps >= 1 && options.fps <= 240 else { throw TensorError.invalidArgument("--fps must be 1…240, got \(options.fps)") }
        let frames = Int((options.seconds * options.fps).rounded())
        let results = ResultSlots<Result<Written, Error>>(count: options.subjects)
        Parallel.forEach(options.subjects, threads: options.threads) { i in
            results.set(i, Result { try writeSubject(i, folder: folder, options: options, frames: frames) })
        }
        return try results.values.map { try $0!.get() }
    }

    static func writeSubject(_ i: Int, folder: URL, options: Options, frames: Int) throws -> Written {
        let subject = SyntheticSubject(seed: options.seed, index: i)
        let pulse = SyntheticPulse(subject: subject, frames: frames, fps: options.fps)
        let bursts = options.difficulty == .motion
            ? SyntheticMotionBursts(subjectSeed: subject.seed, seconds: Double(frames) / options.fps) : nil
        let renderer = SyntheticFaceRenderer(subject: subject, width: options.width, height: options.height, bursts: bursts)
        let dir = folder.appendingPathComponent("subject\(i + 1)")
        let writer = try AVIWriter(url: dir.appendingPathComponent("vid.avi"), width: options.width, height: options.height, frameRate: options.fps)
        var frame = VideoFrame(width: options.width, height: options.height)
        var noise = SeededGenerator(seed: subject.seed ^ 0xA5A5)
        for k in 0..<frames {
            renderer.render(frame: &frame, index: k, fps: options.fps, pulse: pulse.waveform[k], noise: &noise)
            try writer.append(frame)
        }
        try writer.finish()
        func line(_ v: [Double]) -> String { v.map { String(format: "%.7e", $0) }.joined(separator: " ") }
        let text = line(pulse.reference) + "\n" + line(pulse.heartRate) + "\n" + line((0..<frames).map { Double($0) / options.fps }) + "\n"
        try AtomicFile.write(Data(text.utf8), to: dir.appendingPathComponent("ground_truth.txt"))
        return Written(subject: i + 1, meanHeartRate: pulse.heartRate.reduce(0, +) / Double(max(frames, 1)), frames: frames)
    }
}

/// Slots filled from worker threads.
final class ResultSlots<T>: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var values: [T?]
    init(count: Int) { values = [T?](repeating: nil, count: count) }
    func set(_ i: Int, _ v: T) { lock.lock(); values[i] = v; lock.unlock() }
}
