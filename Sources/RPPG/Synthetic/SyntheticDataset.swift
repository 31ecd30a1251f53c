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
        /// The effects that make the data hard (empty: standard); see ``SyntheticDifficulty``.
        public var difficulties: Set<SyntheticDifficulty> = []
        /// One difficulty alone (`.standard` clears them).
        public var difficulty: SyntheticDifficulty {
            get { difficulties.count == 1 ? difficulties.first! : .standard }
            set { difficulties = newValue == .standard ? [] : [newValue] }
        }
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
        let hard = options.difficulties
        let subject = SyntheticSubject(seed: options.seed, index: i, darkSkin: hard.contains(.darkSkin))
        let pulse = SyntheticPulse(subject: subject, frames: frames, fps: options.fps)
        let seconds = Double(frames) / options.fps
        let bursts = hard.contains(.motion) ? SyntheticMotionBursts(subjectSeed: subject.seed, seconds: seconds) : nil
        let talking = hard.contains(.nonrigid) ? SyntheticTalking(subjectSeed: subject.seed, seconds: seconds) : nil
        let second = hard.contains(.secondFace) ? secondFace(of: subject, seed: options.seed, index: i) : nil
        let secondPulse = second.map { SyntheticPulse(subject: $0, frames: frames, fps: options.fps) }
        let blocking = hard.contains(.blocking) ? CompressionBlocking(quality: 60) : nil
        let renderer = SyntheticFaceRenderer(subject: subject, width: options.width, height: options.height, bursts: bursts,
                                             talking: talking, secondFace: second)
        let dir = folder.appendingPathComponent("subject\(i + 1)")
        let writer = try AVIWriter(url: dir.appendingPathComponent("vid.avi"), width: options.width, height: options.height, frameRate: options.fps)
        var frame = VideoFrame(width: options.width, height: options.height)
        var noise = SeededGenerator(seed: subject.seed ^ 0xA5A5)
        for k in 0..<frames {
            renderer.render(frame: &frame, index: k, fps: options.fps, pulse: pulse.waveform[k],
                            secondPulse: secondPulse?.waveform[k] ?? 0, noise: &noise)
            blocking?.apply(to: &frame)
            try writer.append(frame)
        }
        try writer.finish()
        func line(_ v: [Double]) -> String { v.map { String(format: "%.7e", $0) }.joined(separator: " ") }
        let text = line(pulse.reference) + "\n" + line(pulse.heartRate) + "\n" + line((0..<frames).map { Double($0) / options.fps }) + "\n"
        try AtomicFile.write(Data(text.utf8), to: dir.appendingPathComponent("ground_truth.txt"))
        return Written(subject: i + 1, meanHeartRate: pulse.heartRate.reduce(0, +) / Double(max(frames, 1)), frames: frames)
    }
}

extension SyntheticDataset {
    /// The bystander of `--difficulty second-face`: a subject of its own, whose mean HR is kept at
    /// least 25 BPM from the subject's so that cropping the wrong face shows in the HR.
    static func secondFace(of subject: SyntheticSubject, seed: UInt64, index: Int) -> SyntheticSubject {
        var s = SyntheticSubject(seed: seed ^ 0x5EC0_4D0F_ACE0_0002, index: index)
        if abs(s.heartRate - subject.heartRate) < 25 {
            s.heartRate = subject.heartRate + (subject.heartRate < 95 ? 35 : -35)
        }
        return s
    }
}

/// Slots filled from worker threads.
final class ResultSlots<T>: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var values: [T?]
    init(count: Int) { values = [T?](repeating: nil, count: count) }
    func set(_ i: Int, _ v: T) { lock.lock(); values[i] = v; lock.unlock() }
}
