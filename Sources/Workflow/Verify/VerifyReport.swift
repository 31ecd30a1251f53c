/// The result of `rppg verify`: FP32 and INT8 heart-rate accuracy, per video and per clip.
/// Codable: this is the `--json` summary (schema in docs/json-summaries.md). Fields added after
/// the first version are optional, so that a pipeline rerun still reads an older verify.json.
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

    /// Heart-rate accuracy over one set of (predicted, true) pairs. `pearson` is nil when the
    /// correlation is undefined (fewer than two pairs, or a constant series).
    public struct Metrics: Codable, Sendable {
        public var count: Int
        public var mae: Double
        public var rmse: Double
        public var mape: Double
        public var pearson: Double?
        public var maeStandardError: Double
        public var rmseStandardError: Double
    }

    /// rPPG-Toolbox's chunk evaluation: one HR per clip (FFT peak in 0.75–2.5 Hz of a zero-padded
    /// `spectrumPoints` spectrum) against that clip's truth.
    public struct ClipScores: Codable, Sendable {
        public var spectrumPoints: Int
        public var fp32: Metrics
        public var int8: Metrics
        /// `int8.mae - fp32.mae` (BPM).
        public var maeIncrease: Double
        /// Mean waveform SNR (dB, rPPG-Toolbox's definition over 0.6–3.3 Hz) of each model's pulse.
        public var fp32SNR: Double?
        public var int8SNR: Double?
        /// Mean per-clip Pearson r of the INT8 and FP32 output waveforms.
        public var int8FP32WaveformPearson: Double?
        /// Per clip, in the order scored: video, chunk index, true and predicted HR (BPM).
        public var videos: [Int]
        public var chunks: [Int]
        public var truthHR: [Double]
        public var fp32HR: [Double]
        public var int8HR: [Double]
    }

    /// One row of the `--methods` comparison: the FP32 model quantized with `method`.
    public struct MethodScore: Codable, Sendable {
        public var method: String
        /// Per-clip accuracy and its MAE increase over FP32 (BPM).
        public var clip: Metrics
        public var maeIncrease: Double
        /// Per-video MAE (BPM).
        public var videoMAE: Double
        public var snr: Double?
        public var waveformPearson: Double?
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
    /// "heldout", "all" or "subjects" (given by --subjects), and why.
    public var split: String? = nil
    public var splitReason: String? = nil
    /// What the scores are measured against: "sensor" (the dataset's ground-truth HR line),
    /// "label" (the HR of the label waveform) or "mixed"; and why when not the sensor.
    public var hrSource: String? = nil
    public var hrSourceNote: String? = nil
    public var perClip: ClipScores? = nil
    /// FP32 and each calibration method, per clip (`--methods`); the calibration file used.
    public var methods: [MethodScore]? = nil
    public var calibration: String? = nil
    /// Reasons to distrust the numbers (too few videos or clips, undefined correlations), and
    /// other notes (no training record).
    public var warnings: [String]? = nil
    public var notes: [String]? = nil

    /// Which increases the verdict weighed, e.g. "per video +0.10, per clip +2.31 BPM: per clip is not below 2.00".
    public var verdictBasis: String? = nil

    /// "ACCEPTABLE" or "DEGRADATION SIGNIFICANT".
    public var verdict: String { acceptable ? "ACCEPTABLE" : "DEGRADATION SIGNIFICANT" }
}
