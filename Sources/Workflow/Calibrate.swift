import Foundation
import TensorCore
import TorchIO

/// Calibration clips: reading them from any file the workflow uses, and `rppg calibrate`, which
/// draws a seeded sample of clips from the dataset file.
public enum CalibrationData {
    /// Errors naming the file, what is wrong and what to do.
    public struct FileError: UserFacingError {
        public let path: String
        public let reason: String
        public var description: String { "\(path): \(reason)" }
    }

    /// The clips `[N, 3, T, H, W]` (float32) of `url`: a tensor, or a dict holding one under
    /// `clips` or `input` (`calibration_data.pt`, `data/ubfc_processed.pt`). Zero clips is an error.
    /// With `modelInput` a frame model's 4-D input `[N·T, C, S, S]`, the file may instead hold
    /// K such inputs, `[K, N·T, C, S, S]` (what `rppg quantize` calibrates a frame model on).
    public static func loadClips(_ url: URL, modelInput: [Int]? = nil) throws -> Tensor {
        let value = try TorchFile.load(url)
        let candidate: PickleValue?
        if case .tensor = value { candidate = value } else { candidate = value["clips"] ?? value["input"] }
        guard let c = candidate else {
            throw FileError(path: url.path, reason: "holds no clips: expected a float tensor [N, 3, T, H, W] or a dict with 'clips' or 'input'; make one with `rppg calibrate --data data/ubfc_processed.pt --output calibration_data.pt`")
        }
        guard let tensor = c.tensor else {
            throw FileError(path: url.path, reason: "'clips' is not a tensor")
        }
        guard tensor.dtype.isFloatingPoint else {
            throw FileError(path: url.path, reason: "clips are \(tensor.dtype.rawValue), expected float32")
        }
        if let m = modelInput, m.count == 4, tensor.rank == 5, Array(tensor.shape.dropFirst()) == m, tensor.shape[0] > 0 {
            return tensor.toFloat32()
        }
        // 6 channels: DeepPhys/TS-CAN clips (preprocess --input-type diffnormalized+standardized).
        guard tensor.rank == 5, tensor.shape[1] == 3 || tensor.shape[1] == 6 else {
            throw FileError(path: url.path, reason: "clips have shape \(tensor.shape), expected [N, 3, T, H, W] (or 6 channels)")
        }
        guard tensor.shape[0] > 0 else {
            throw FileError(path: url.path, reason: "holds 0 clips; calibration needs at least one")
        }
        return tensor.toFloat32()
    }

    /// What ``calibrate(data:output:numSamples:seed:)`` wrote.
    public struct Summary: Sendable {
        public var available: Int
        public var indices: [Int]
        public var clipShape: [Int]
        /// The clips written, `[k, 3, T, H, W]` float32 (what reading the output back gives).
        public var clips: Tensor
    }

    /// `rppg calibrate`: `numSamples` clips of `data` chosen at random without replacement
    /// (seeded; all clips when there are fewer), written in dataset order as
    /// `{'clips': float32 [k, 3, T, H, W], 'indices': int64 [k]}` with `torch.save`'s format.
    public static func calibrate(data: URL, output: URL, numSamples: Int = 200, seed: UInt64 = 0) throws -> Summary {
        guard numSamples > 0 else {
            throw FileError(path: output.path, reason: "--num-samples must be at least 1 (got \(numSamples))")
        }
        return try calibrate(clips: try loadClips(data), output: output, numSamples: numSamples, seed: seed)
    }

    /// The same from clips already loaded (`[N, 3, T, H, W]` float32, as ``loadClips(_:)`` returns).
    public static func calibrate(clips: Tensor, output: URL, numSamples: Int = 200, seed: UInt64 = 0) throws -> Summary {
        guard numSamples > 0 else {
            throw FileError(path: output.path, reason: "--num-samples must be at least 1 (got \(numSamples))")
        }
        guard clips.dtype == .float32, clips.rank == 5, clips.shape[0] > 0 else {
            throw FileError(path: output.path, reason: "calibration needs float32 clips [N > 0, 3, T, H, W], got \(clips.dtype.rawValue) \(clips.shape)")
        }
        let n = clips.shape[0]
        return try write(clips, indices: sample(count: n, take: numSamples, seed: seed), available: n, output: output)
    }

    /// Writes clips `indices` of `clips` as `{'clips', 'indices'[, 'subject']}` (torch.save format).
    static func write(_ clips: Tensor, indices: [Int], subjects: [Int]? = nil, available: Int, output: URL) throws -> Summary {
        // All clips in order (fewer clips than samples asked for) is the tensor itself: no copy.
        let chosen = indices.count == clips.shape[0] ? clips : Tensor(concatenatingBatches: indices.map { clips.batch($0..<($0 + 1)) })
        var entries: [(String, PickleValue)] = [
            ("clips", .tensor(chosen)),
            ("indices", .tensor(Tensor(shape: [indices.count], scalars: indices.map { Int64($0) }))),
        ]
        if let subjects { entries.append(("subject", .tensor(Tensor(shape: [subjects.count], scalars: subjects.map { Int64($0) })))) }
        try TorchFile.save(PickleValue.stringDict(entries), to: output)
        return Summary(available: available, indices: indices, clipShape: Array(clips.shape.dropFirst()), clips: chosen)
    }

    /// `take` distinct indices of `0..<count` (all when `take >= count`), sorted, from a partial
    /// Fisher–Yates shuffle driven by SplitMix64 (deterministic for a seed on every platform).
    public static func sample(count: Int, take: Int, seed: UInt64) -> [Int] {
        if take >= count { return Array(0..<count) }
        var state = seed
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        var pool = Array(0..<count)
        for i in 0..<take {
            // Unbiased bounded draw (Lemire's rejection would be faster; the counts here are small).
            let bound = UInt64(count - i)
            let limit = UInt64.max - UInt64.max % bound
            var r = next()
            while r >= limit { r = next() }
            pool.swapAt(i, i + Int(r % bound))
        }
        return pool[0..<take].sorted()
    }
}
