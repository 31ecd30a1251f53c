import Foundation
import NN
import ONNX
import Quantization
import RPPG
import TensorCore

extension Verify {
    /// Where `--methods` looks for calibration clips when `--calibration` is not given: what
    /// `rppg calibrate` writes by default, and the pipeline's work-directory layout.
    public static func defaultCalibrationFiles(data: URL) -> [URL] {
        let dir = data.deletingLastPathComponent()
        return [URL(fileURLWithPath: "calibration_data.pt"), URL(fileURLWithPath: "data/calibration.pt"),
                dir.appendingPathComponent("calibration_data.pt"),
                dir.deletingLastPathComponent().appendingPathComponent("calibration_data.pt")]
    }

    /// A `--methods` entry: `minmax`, `percentile[:P]`, `entropy[:BINS]` or `auto`, as
    /// `rppg quantize --method` with its defaults (ORT's 128 entropy bins unless BINS is given).
    static func quantizationOptions(_ spec: String, threads: Int) throws -> QuantizationOptions {
        let parts = spec.lowercased().split(separator: ":", maxSplits: 1).map(String.init)
        let names = CalibrationMethod.allCases.map(\.rawValue).joined(separator: ", ")
        guard let name = parts.first, let method = CalibrationMethod(rawValue: name) else {
            throw VerifyError(message: "--methods: unknown method '\(spec)'; use \(names) (percentile:99.99 and entropy:2048 set the percentile and the bins).")
        }
        var q = QuantizationOptions(method: method, perChannel: true, threads: threads)
        if parts.count == 2 {
            guard let value = Double(parts[1]), value > 0 else {
                throw VerifyError(message: "--methods: '\(spec)' needs a positive number after ':'")
            }
            switch method {
            case .percentile:
                guard value < 100 else { throw VerifyError(message: "--methods: '\(spec)': the percentile must be below 100") }
                q.percentile = value
            case .entropy:
                guard Int(value) >= q.entropyQuantizedBins else {
                    throw VerifyError(message: "--methods: '\(spec)': entropy needs at least \(q.entropyQuantizedBins) bins")
                }
                q.entropyBins = Int(value)
            default:
                throw VerifyError(message: "--methods: '\(spec)': only percentile and entropy take a ':' parameter")
            }
        }
        return q
    }

    /// The FP32 model quantized with every `options.methods` entry (written to a temporary folder
    /// and read back, so that verify runs exactly what `rppg quantize` would write).
    static func methodModels(_ options: Options, fp32Graph: Graph) throws -> (names: [String], graphs: [Graph], calibration: URL?) {
        guard !options.methods.isEmpty else { return ([], [], nil) }
        let candidates = options.calibration.map { [$0] } ?? defaultCalibrationFiles(data: options.data)
        guard let calibration = candidates.first(where: { FileManager.default.fileExists(atPath: $0.path) }) else {
            throw VerifyError(message: "--methods needs calibration clips, and \(candidates.map(\.path).joined(separator: ", ")) \(candidates.count == 1 ? "does" : "do") not exist; make them with `rppg calibrate --data \(options.data.path) --output calibration_data.pt` or pass --calibration FILE.")
        }
        let clips = try CalibrationData.loadClips(calibration)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rppg-verify-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var graphs: [Graph] = []
        for (i, spec) in options.methods.enumerated() {
            let output = folder.appendingPathComponent("method\(i).onnx")
            var o = QuantizeModel.Options(model: options.fp32, calibration: calibration, output: output,
                                          quantization: try quantizationOptions(spec, threads: options.threads))
            o.clips = clips
            _ = try QuantizeModel.run(o)
            graphs.append(try ONNXReader.read(output))
        }
        return (options.methods, graphs, calibration)
    }

    /// The comparison table: FP32 first, then each method, per clip against the same truth.
    static func methodRows(_ names: [String], outputs: [[[Float]]], fp32: [[Float]], fp32Scores: ModelScores,
                           against ref: Reference) -> [VerifyReport.MethodScore] {
        func videoMAE(_ s: ModelScores) -> Double { HRMetrics.compute(predicted: s.videoHR, truth: s.videoTruth).mae }
        var rows = [VerifyReport.MethodScore(method: "fp32", clip: fp32Scores.clip, maeIncrease: 0, videoMAE: videoMAE(fp32Scores),
                                             snr: finiteMean(fp32Scores.clipSNR), waveformPearson: 1)]
        for (name, out) in zip(names, outputs) {
            let s = score(out, against: ref)
            rows.append(.init(method: name, clip: s.clip, maeIncrease: s.clip.mae - fp32Scores.clip.mae, videoMAE: videoMAE(s),
                              snr: finiteMean(s.clipSNR), waveformPearson: waveformPearson(fp32, out).mean))
        }
        return rows
    }
}
