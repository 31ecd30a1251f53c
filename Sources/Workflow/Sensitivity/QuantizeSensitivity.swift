import Foundation
import NN
import ONNX
import Quantization
import RPPG
import TensorCore

/// Sensitivity analysis of `rppg quantize --report` and `--auto-exclude K` (issue 16, item 3):
/// which layers cost heart-rate accuracy when quantized.
///
/// Each layer (a node that ORT's rules quantize on its own: Conv, Gemm, MatMul, BatchNorm, Add,
/// Mul, Sigmoid, Concat, GlobalAveragePool) is quantized *alone*, every other node left in float
/// (ORT's `nodes_to_exclude` with all the others), with the ranges already calibrated; a Relu/Clip
/// that the layer absorbs goes with it. The fake-quant graph runs on a sample of calibration
/// clips and each clip's heart rate (2048-point FFT, as verify's per-clip scores) is compared
/// with the FP32 model's on the same clip. Layers are ranked by that HR error, then by output SQNR.
///
/// Why per-clip HR against FP32 and not against ground truth: calibration files carry no labels,
/// and the question is what quantizing the layer *adds*; `rppg verify` measures against truth.
/// The float simulation is used (not the int8 engine) so that every layer can be quantized alone,
/// including ones the engine would run in its float fallback.
public enum QuantizeSensitivity {
    /// How the clips' heart rate is read from the model output.
    public struct Signal: Sendable, Equatable {
        public var fps: Double
        /// Outputs are first differences (DiffNormalized labels, every zoo model): summed first.
        public var diffNormalized: Bool
        public init(fps: Double = 30, diffNormalized: Bool = true) {
            self.fps = fps
            self.diffNormalized = diffNormalized
        }
    }

    /// What quantizing a graph does to the model output on the sampled clips.
    public struct Score: Codable, Sendable, Hashable {
        /// Mean over clips of |HR(quantized) − HR(FP32)| (BPM).
        public var heartRateErrorBPM: Double
        /// The largest per-clip HR difference (BPM).
        public var maxHeartRateErrorBPM: Double
        /// SQNR (dB) of the output waveform against FP32, over all sampled clips.
        public var outputSQNRdB: Double
    }

    /// One layer quantized alone.
    public struct Layer: Codable, Sendable, Hashable {
        public var node: String
        public var op: String
        public var score: Score
        /// Bytes of its weights (initializer inputs) in float32; int8 stores a quarter of that.
        public var floatWeightBytes: Int
    }

    /// Where `--auto-exclude` puts the layers it takes out of int8.
    public enum Fallback: String, Codable, Sendable, CaseIterable {
        /// Left in float (ORT's `nodes_to_exclude`): weights float32, the int8 engine's float fallback.
        case float
        /// Their activations (inputs and outputs) quantized to int16 (ORT's `quant_type: QInt16`),
        /// weights staying int8: a quarter of float's weight bytes, still off the NPU.
        case int16
    }

    /// What taking the worst layers out of int8 costs and gains.
    public struct Exclusion: Codable, Sendable, Hashable {
        /// Float or int16.
        public var fallback: Fallback
        /// Nodes taken out of int8 by `--auto-exclude`, in the order the greedy search took them.
        public var excluded: [String]
        /// The whole model's score after each of those steps.
        public var steps: [Score]
        public var before: Score
        public var after: Score
        /// Serialized ONNX size (bytes) without and with the exclusion.
        public var modelBytesBefore: Int
        public var modelBytesAfter: Int
        /// Int8-engine latency (ms per clip, 1 thread, median over the timed clips).
        public var int8MillisecondsBefore: Double
        public var int8MillisecondsAfter: Double
        /// Nodes the int8 engine runs in float (its fallback), without and with the exclusion.
        public var floatNodesBefore: Int
        public var floatNodesAfter: Int
    }

    public struct Report: Codable, Sendable, Hashable {
        public var clips: [Int]
        public var fps: Double
        /// Every layer quantized together (the model that quantize writes without exclusion).
        public var allQuantized: Score
        /// Worst first.
        public var layers: [Layer]
        public var exclusion: Exclusion?
    }

    /// `count` clip indices spread evenly over `0..<clipCount` (all when fewer), so that the
    /// sample covers every subject of a calibration file rather than the first one.
    public static func sampleClips(clipCount: Int, count: Int) -> [Int] {
        guard count < clipCount else { return Array(0..<clipCount) }
        guard count > 0 else { return [] }
        return (0..<count).map { $0 * clipCount / count }
    }

    /// The layers that can be quantized alone: nodes with a quantization rule of their own that
    /// the user did not already exclude, in graph order.
    public static func layers(_ fp32: Graph, options: QuantizationOptions) -> [Node] {
        fp32.nodes.filter { node in
            guard !options.excludedNodes.contains(node.name), let rule = QDQRule.rule(for: node.op) else { return false }
            switch rule {
            case .weighted, .allTensors, .matMul: return true
            case .removableActivation, .sharesInputParameters: return false
            }
        }
    }

    /// Ranks every layer of `fp32` (already calibrated: `ranges`, `options` as the quantizer used
    /// them) by the HR error it adds alone, on `clipIndices` of `clip`.
    public static func analyse(fp32: Graph, fullQDQ: Graph, ranges: [String: TensorRange], options: QuantizationOptions,
                               clipIndices: [Int], clip: (Int) throws -> Tensor, signal: Signal = Signal(),
                               runner: @escaping FloatRunnerFactory) throws -> Report {
        guard !clipIndices.isEmpty else { throw QuantizationError.noCalibrationData }
        let clips = try clipIndices.map(clip)
        let reference = try outputs(of: fp32, clips: clips, runner: runner)
        let referenceHR = reference.map { heartRate($0, signal) }
        func score(_ g: Graph) throws -> Score {
            compare(try outputs(of: g, clips: clips, runner: runner), reference, referenceHR, signal)
        }
        var ranked: [Layer] = []
        for node in layers(fp32, options: options) {
            var alone = options
            let kept = Set([node.name] + absorbedActivations(of: node, in: fp32).map(\.name))
            alone.excludedNodes = Set(fp32.nodes.map(\.name)).subtracting(kept)
            let g = try QDQInsertion.apply(fp32, ranges: ranges, options: alone)
            ranked.append(Layer(node: node.name, op: node.op.name, score: try score(g),
                                floatWeightBytes: weightBytes(of: node, in: fp32)))
        }
        ranked.sort {
            $0.score.heartRateErrorBPM != $1.score.heartRateErrorBPM
                ? $0.score.heartRateErrorBPM > $1.score.heartRateErrorBPM
                : $0.score.outputSQNRdB < $1.score.outputSQNRdB
        }
        return Report(clips: clipIndices, fps: signal.fps, allQuantized: try score(fullQDQ), layers: ranked, exclusion: nil)
    }

    /// The QDQ graph with `k` layers left in float (or, with `fallback` `.int16`, given 16-bit
    /// activations), chosen greedily by what taking each one out of int8 does to the whole quantized model: at each step every remaining layer is tried and
    /// the one giving the lowest HR error (then the highest output SQNR) on the report's clips is
    /// kept out. Not simply the top `k` of the ranking: layer errors interact, and on the motion
    /// model of MotionQuantizationTests leaving the worst-alone layer in float *lowered* the output
    /// SQNR (18.2 → 17.0 dB). Also records what that costs: size and int8-engine latency
    /// (1 thread, on up to 3 of the clips).
    public static func exclude(_ k: Int, report: inout Report, fp32: Graph, fullQDQ: Graph,
                               ranges: [String: TensorRange], options: QuantizationOptions,
                               clip: (Int) throws -> Tensor, signal: Signal = Signal(),
                               fallback: Fallback = .float,
                               runner: @escaping FloatRunnerFactory) throws -> (graph: Graph, options: QuantizationOptions) {
        let clips = try report.clips.map(clip)
        let reference = try outputs(of: fp32, clips: clips, runner: runner)
        let referenceHR = reference.map { heartRate($0, signal) }
        var o = options, chosen: [String] = [], steps: [Score] = []
        var remaining = report.layers.map(\.node)
        var best: (graph: Graph, score: Score)?
        let nodes = Dictionary(fp32.nodes.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        func takeOut(_ node: String, _ options: inout QuantizationOptions) {
            switch fallback {
            case .float: options.excludedNodes.insert(node)
            case .int16: options.int16Activations.formUnion(int16Tensors(of: nodes[node]!, in: fp32, ranges: ranges))
            }
        }
        for _ in 0..<k {
            best = nil
            var pick = 0
            for (i, node) in remaining.enumerated() {
                var trial = o
                takeOut(node, &trial)
                let g = try QDQInsertion.apply(fp32, ranges: ranges, options: trial)
                let score = compare(try outputs(of: g, clips: clips, runner: runner), reference, referenceHR, signal)
                if best == nil || better(score, than: best!.score) { best = (g, score); pick = i }
            }
            let node = remaining.remove(at: pick)
            takeOut(node, &o)
            chosen.append(node)
            steps.append(best!.score)
        }
        let g = best?.graph ?? fullQDQ
        let timed = Array(clips.prefix(3))
        let (msBefore, floatBefore) = try int8Cost(fullQDQ, clips: timed)
        let (msAfter, floatAfter) = try int8Cost(g, clips: timed)
        report.exclusion = Exclusion(
            fallback: fallback, excluded: chosen, steps: steps, before: report.allQuantized, after: steps.last ?? report.allQuantized,
            modelBytesBefore: try ONNXWriter.encode(fullQDQ).count, modelBytesAfter: try ONNXWriter.encode(g).count,
            int8MillisecondsBefore: msBefore, int8MillisecondsAfter: msAfter,
            floatNodesBefore: floatBefore, floatNodesAfter: floatAfter)
        return (g, o)
    }

    /// Lower HR error wins; an equal one (HR is read on 0.88-BPM bins) goes to the higher SQNR.
    static func better(_ a: Score, than b: Score) -> Bool {
        if a.heartRateErrorBPM != b.heartRateErrorBPM { return a.heartRateErrorBPM < b.heartRateErrorBPM }
        return a.outputSQNRdB > b.outputSQNRdB
    }

    // MARK: - Pieces

    /// Relu/Clip nodes that QDQ insertion folds into `node` (its output's only reader).
    static func absorbedActivations(of node: Node, in g: Graph) -> [Node] {
        guard let out = node.outputs.first else { return [] }
        let readers = g.consumers(of: out)
        guard readers.count == 1, QDQRule.rule(for: readers[0].op) == .removableActivation else { return [] }
        return readers
    }

    /// The calibrated activations a layer reads and writes (with those of the Relu/Clip it
    /// absorbs): what `--auto-exclude-as int16` makes 16-bit. Weights and biases are not among them.
    static func int16Tensors(of node: Node, in g: Graph, ranges: [String: TensorRange]) -> Set<String> {
        let touched = node.inputs.filter { g.initializers[$0] == nil } + node.outputs
            + absorbedActivations(of: node, in: g).flatMap(\.outputs)
        return Set(touched.filter { ranges[$0] != nil })
    }

    static func weightBytes(of node: Node, in g: Graph) -> Int {
        node.inputs.compactMap { g.initializers[$0] }.reduce(0) { $0 + $1.elementCount * 4 }
    }

    static func outputs(of g: Graph, clips: [Tensor], runner: @escaping FloatRunnerFactory) throws -> [[Float]] {
        let executor = try FakeQuantExecutor(graph: g, runner: runner)
        return try clips.map { try executor.run($0).floatValues() }
    }

    static func heartRate(_ output: [Float], _ s: Signal) -> Double {
        ClipHeartRate.estimate(output, fps: s.fps, diffNormalized: s.diffNormalized)
    }

    static func compare(_ got: [[Float]], _ reference: [[Float]], _ referenceHR: [Double], _ s: Signal) -> Score {
        var errors: [Double] = []
        var signal = 0.0, noise = 0.0
        for (k, out) in got.enumerated() {
            for (a, b) in zip(reference[k], out) {
                signal += Double(a) * Double(a)
                noise += (Double(a) - Double(b)) * (Double(a) - Double(b))
            }
            let hr = heartRate(out, s)
            // A clip too short for the band-pass has no HR on either side: it is not scored.
            if hr.isFinite && referenceHR[k].isFinite { errors.append(abs(hr - referenceHR[k])) }
        }
        return Score(heartRateErrorBPM: errors.isEmpty ? .nan : errors.reduce(0, +) / Double(errors.count),
                     maxHeartRateErrorBPM: errors.max() ?? .nan,
                     outputSQNRdB: LayerReport.sqnr(signal: signal, noise: noise))
    }

    /// Median int8-engine milliseconds per clip on one thread, and how many nodes it runs in float.
    static func int8Cost(_ g: Graph, clips: [Tensor]) throws -> (Double, Int) {
        let engine = try Int8Executor(graph: g, threads: 1)
        _ = try engine.run(clips[0])  // warm-up: arena and packed weights
        var times: [Double] = []
        for c in clips {
            let start = DispatchTime.now().uptimeNanoseconds
            _ = try engine.run(c)
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        times.sort()
        return (times[times.count / 2], engine.plan.filter { $0.contains("float fallback") }.count)
    }
}
