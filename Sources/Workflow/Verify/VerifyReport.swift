/// The result of `rppg verify`: FP32 and INT8 heart-rate accuracy on held-out subjects.
/// Codable: this is the `--json` summary (schema in docs/json-summaries.md).
public struct VerifyReport: Codable, Sendable {
    /// Accuracy of one model against ground truth, per video.
    public struct Score: Codable, Sendable {
        public var mae: Double
        public var rmse: Double
        public var mape: Double
        public var pearson: Double
        public var maeStandardError: Double
        public var rmseStandardError: Double
        /// Per-video predicted HR (BPM), in the order of `VerifyReport.videos`.
        public var predictedHR: [Double]
    }

    /// One example pulse (the first held-out clip): model outputs and the label.
    public struct Waveform: Codable, Sendable {
        public var subject: Int
        public var fp32: [Float]
        public var int8: [Float]
        public var truth: [Float]
    }

    /// Per-layer quantization error (SQNR, dB), copied from the quantizer's report when found.
    public struct LayerError: Codable, Sendable {
        public var tensor: String
        public var sqnrDB: Double
    }

    public var data: String
    public var fp32Model: String
    public var int8Model: String
    /// How the INT8 model ran: "int8" (integer kernels) or "fakequant".
    public var engine: String
    public var subjects: [Int]
    public var clips: Int
    /// Video (subject) ids, and their ground-truth HR (BPM).
    public var videos: [Int]
    public var truthHR: [Double]
    public var fp32: Score
    public var int8: Score
    /// `int8.mae - fp32.mae` in BPM, and relative to FP32 in percent.
    public var maeIncrease: Double
    public var maeIncreasePercent: Double
    /// Mean |HR_fp32 - HR_int8| over videos: how far the two models disagree with each other.
    public var fp32Int8HRDifference: Double
    public var threshold: Double
    public var acceptable: Bool
    public var remedies: [String]
    public var waveform: Waveform?
    public var layerErrors: [LayerError]

    /// "ACCEPTABLE" or "DEGRADATION SIGNIFICANT".
    public var verdict: String { acceptable ? "ACCEPTABLE" : "DEGRADATION SIGNIFICANT" }
}
