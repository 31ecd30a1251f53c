import Foundation
import NN
import ONNX
import Quantization
import RPPG
import TensorCore

/// `rppg quantize`: FP32 ONNX + calibration clips → QDQ ONNX in ONNX Runtime's
/// `quantize_static` form, with the per-layer error report.
public enum QuantizeModel {
    public struct Options: Sendable {
        public var model: URL
        public var calibration: URL
        public var output: URL
        public var quantization: QuantizationOptions
        /// Clips the per-layer report is measured on (0 skips it).
        public var reportClips: Int
        /// Clips the sensitivity ranking is measured on (0 skips it unless `autoExclude` asks for it).
        public var sensitivityClips: Int = 0
        /// Leave the `autoExclude` layers that cost the most heart-rate accuracy in float.
        public var autoExclude: Int = 0
        /// Float (ORT's nodes_to_exclude) or int16 activations for them.
        public var autoExcludeAs: QuantizeSensitivity.Fallback = .float
        /// How the sensitivity analysis reads heart rate from the output.
        public var signal = QuantizeSensitivity.Signal()
        /// The content of `calibration` when the caller already holds it (the pipeline keeps what
        /// its calibrate step just wrote); nil reads the file.
        public var clips: Tensor?

        public init(model: URL, calibration: URL, output: URL,
                    quantization: QuantizationOptions = QuantizationOptions(), reportClips: Int = 0) {
            self.model = model
            self.calibration = calibration
            self.output = output
            self.quantization = quantization
            self.reportClips = reportClips
        }
    }

    public struct Result: Sendable {
        public var graph: Graph
        public var layerReport: LayerReport
        /// How `--method auto` chose (nil for the other methods).
        public var auto: AutoCalibrationReport?
        /// Layers ranked by the HR error each adds alone, and what `--auto-exclude` cost (nil when not asked).
        public var sensitivity: QuantizeSensitivity.Report?
        public var clipCount: Int
        /// Counts of inserted QuantizeLinear / DequantizeLinear nodes.
        public var quantizeNodes: Int
        public var dequantizeNodes: Int
    }

    /// Reads, calibrates, quantizes, writes (atomically) on NN's FP32 executor: calibration clips
    /// are split over `quantization.threads` workers, each executor gets the threads left over.
    public static func run(_ o: Options) throws -> Result {
        try run(o, wholeGraph: true) { clips in
            FP32Runner.factory(threads: FP32Runner.threadsPerWorker(clips: clips, threads: o.quantization.threads))
        }
    }

    /// Same with another float engine: `runner(clipCount)` gives the factory of the float graphs.
    public static func run(_ o: Options, runner: @escaping FloatRunnerFactory) throws -> Result {
        try run(o, wholeGraph: false) { _ in runner }
    }

    private static func run(_ o: Options, wholeGraph: Bool, makeRunner: (Int) -> FloatRunnerFactory) throws -> Result {
        let fp32 = try ONNXReader.read(o.model)
        if fp32.nodes.contains(where: { if case .quantizeLinear = $0.op { return true }; if case .dequantizeLinear = $0.op { return true }; return false }) {
            throw CalibrationData.FileError(path: o.model.path, reason: "is already quantized (it has QuantizeLinear/DequantizeLinear nodes); pass the FP32 model")
        }
        let input = fp32.inputs.first?.shape ?? []
        let loaded = try o.clips ?? CalibrationData.loadClips(o.calibration, modelInput: input)
        let n = loaded.shape[0]
        // A frame model's samples are whole inputs [N·T, C, S, S]: drop the leading axis of each.
        let frameSamples = input.count == 4 && loaded.rank == 5 && Array(loaded.shape.dropFirst()) == input
        let clips = frameSamples ? loaded.reshaped([n * input[0]] + input.dropFirst()) : loaded
        // Clips [K, C, T, S, S] (rppg calibrate's) for a frame model: each clip's frames as rows.
        let asFrames = FrameLayout.fits(modelInput: input, clipShape: [1] + clips.shape.dropFirst())
        let sample = { (i: Int) -> Tensor in
            if frameSamples { return clips.batch((i * input[0])..<((i + 1) * input[0])) }
            let clip = clips.batch(i..<(i + 1))
            return asFrames.fits ? FrameLayout.frames(fromClip: clip, extraFrame: asFrames.extraFrame) : clip
        }
        let runner = makeRunner(n)
        let result: QuantizationResult
        do {
            result = try QDQQuantizer.quantize(fp32, clipCount: n, clip: sample,
                                               options: o.quantization, runner: runner, reportClipLimit: o.reportClips,
                                               wholeGraph: wholeGraph ? runner : nil)
        } catch let e as QuantizationError {
            if case .badCalibrationClip = e {
                throw CalibrationData.FileError(path: o.calibration.path, reason: "\(e.description) Use clips shaped like the model input \(fp32.inputs.first?.shape ?? []).")
            }
            throw e
        }
        var graph = result.graph, layerReport = result.layerReport
        var sensitivity: QuantizeSensitivity.Report?
        if o.sensitivityClips > 0 || o.autoExclude > 0 {
            let layers = QuantizeSensitivity.layers(fp32, options: o.quantization).count
            guard o.autoExclude <= layers else {
                throw QuantizationError.unsupportedGraph("--auto-exclude \(o.autoExclude) asks for more layers than the \(layers) that are quantized; use at most \(layers)")
            }
            let clip = sample
            // Clips run one after another, so one float engine gets all the threads.
            let full = makeRunner(1)
            var report = try QuantizeSensitivity.analyse(
                fp32: fp32, fullQDQ: graph, ranges: result.ranges, options: o.quantization,
                clipIndices: QuantizeSensitivity.sampleClips(clipCount: n, count: o.sensitivityClips > 0 ? o.sensitivityClips : 32),
                clip: clip, signal: o.signal, runner: full)
            if o.autoExclude > 0 {
                let (excluded, options) = try QuantizeSensitivity.exclude(
                    o.autoExclude, report: &report, fp32: fp32, fullQDQ: graph, ranges: result.ranges,
                    options: o.quantization, clip: clip, signal: o.signal, fallback: o.autoExcludeAs, runner: full)
                graph = excluded
                if o.reportClips > 0 {
                    layerReport = try QDQQuantizer.layerReport(fp32: fp32, qdq: graph, clipCount: min(n, o.reportClips), clip: clip,
                                                               options: options, auto: result.auto, runner: runner,
                                                               wholeGraph: wholeGraph ? runner : nil)
                }
            }
            sensitivity = report
        }
        try ONNXWriter.write(graph, to: o.output, opset: QDQInsertion.requiredOpset(graph))
        let q = graph.nodes.filter { if case .quantizeLinear = $0.op { return true }; return false }.count
        let dq = graph.nodes.filter { if case .dequantizeLinear = $0.op { return true }; return false }.count
        return Result(graph: graph, layerReport: layerReport, auto: result.auto, sensitivity: sensitivity,
                      clipCount: n, quantizeNodes: q, dequantizeNodes: dq)
    }
}
