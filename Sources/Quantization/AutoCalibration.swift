import NN
import TensorCore

/// `--method auto`: for each activation, the range among MinMax, Percentile (99.9, 99.99,
/// 99.999) and a real Entropy search (2048 bins) that the model tolerates best.
///
/// Why not one method for all: DiffNormalized inputs are heavy-tailed (motion edges reach tens of
/// standard deviations), so MinMax spends most of the int8 range of the input and the first
/// layers on a few outliers, while a clipping method hurts a tensor whose extremes carry the
/// signal (the pulse output). Which is better differs per tensor and per model; the user should
/// not have to find out.
///
/// 1. Ranges are fitted on the calibration clips minus a held-back set (every k-th clip, at most
///    16): a min/max pass, then one pass filling a 2048-bin `|x|` histogram (ORT's Percentile) and
///    a 2048-bin signed histogram (ORT's Entropy with enough bins for a real search).
/// 2. On the held-back clips each candidate's *local* SQNR (the tensor's own rounding and
///    clipping on the FP32 values) is measured per tensor; the best per tensor makes the
///    "per-tensor" configuration.
/// 3. That configuration and each uniform one are inserted as QDQ and run (fake-quant) on the
///    held-back clips; the one whose output waveform is closest to FP32 (highest output SQNR)
///    wins. So `auto` never does worse on held-back clips than the best single method.
///
/// Held-back clips come from the calibration file, never from the verification run itself;
/// `rppg calibrate --model` keeps the verification subjects out of that file (see
/// `CalibrationData.chooseSubjects` in Workflow). With
/// fewer than 10 clips nothing is held back and the choice is judged on the fitting clips (the
/// report says so).
public enum AutoCalibration {
    /// The candidate methods, in report order.
    public static let candidates: [Candidate] = [
        .minMax, .percentile(99.9), .percentile(99.99), .percentile(99.999), .entropy(bins: 2048),
    ]

    /// One way to turn a tensor's statistics into a range.
    public enum Candidate: Hashable, Sendable {
        case minMax
        case percentile(Double)
        case entropy(bins: Int)

        public var name: String {
            switch self {
            case .minMax: return "minmax"
            case .percentile(let p): return "percentile \(p)"
            case .entropy(let bins): return "entropy \(bins)"
            }
        }
    }

    /// Histogram bins of both fitting histograms.
    static let bins = 2048
    /// Most held-back clips: enough for a stable output SQNR, few enough to keep the runs cheap.
    static let maxHeldBack = 16

    /// Which clips fit the ranges and which judge them: every k-th clip is held back.
    static func split(clipCount n: Int) -> (fit: [Int], heldBack: [Int], separate: Bool) {
        guard n >= 10 else { return (Array(0..<n), Array(0..<n), false) }
        let held = min(maxHeldBack, max(2, n / 10))
        let stride = n / held
        let heldBack = (0..<held).map { $0 * stride + stride - 1 }
        let heldSet = Set(heldBack)
        return ((0..<n).filter { !heldSet.contains($0) }, heldBack, true)
    }

    /// The chosen ranges and the report of the choice.
    static func ranges(_ graph: Graph, clipCount: Int, clip: (Int) throws -> Tensor,
                       options: QuantizationOptions, passes: Calibrator.Passes) throws
        -> (ranges: [String: TensorRange], report: AutoCalibrationReport)
    {
        let (fit, held, separate) = split(clipCount: clipCount)
        let fitClip = { (k: Int) in try clip(fit[k]) }
        let minMax = try passes.minMax(clipCount: fit.count, clip: fitClip)
        let hist = try passes.histograms(clipCount: fit.count, clip: fitClip, start: minMax.mapValues {
            [HistogramObserver(kind: .absolute, binCount: bins, fixedRange: $0),
             HistogramObserver(kind: .signed, binCount: bins, fixedRange: $0)]
        })
        // Candidate ranges per tensor, in `candidates` order.
        var candidateRanges: [String: [TensorRange]] = [:]
        for (name, o) in minMax {
            let h = hist[name]!
            candidateRanges[name] = candidates.map { c in
                let r: (min: Float, max: Float)
                switch c {
                case .minMax: r = o.range
                case .percentile(let p): r = h[0].percentileRange(p)
                case .entropy: r = h[1].entropyRange(quantizedBins: 128)
                }
                return TensorRange(min: r.min, max: r.max)
            }
        }
        let heldClip = { (k: Int) in try clip(held[k]) }
        let (local, references) = try localNoise(candidateRanges, clipCount: held.count, clip: heldClip, options: options, passes: passes)

        var choices: [AutoCalibrationReport.TensorChoice] = []
        var perTensor: [String: TensorRange] = [:]
        for name in passes.names where candidateRanges[name] != nil {
            let (signal, noise) = local[name] ?? (0, Array(repeating: 0, count: candidates.count))
            let sqnr = noise.map { LayerReport.sqnr(signal: signal, noise: $0) }
            // Highest SQNR; a tie keeps the earlier (simpler) candidate.
            var best = 0
            for k in sqnr.indices where sqnr[k] > sqnr[best] { best = k }
            perTensor[name] = candidateRanges[name]![best]
            let r = candidateRanges[name]!
            choices.append(.init(tensor: name, chosen: candidates[best].name,
                                 candidates: candidates.indices.map {
                                     .init(method: candidates[$0].name, min: r[$0].min, max: r[$0].max, localSQNRdB: sqnr[$0])
                                 }))
        }

        var configurations: [(name: String, ranges: [String: TensorRange])] = [("per-tensor", perTensor)]
        for (k, c) in candidates.enumerated() {
            configurations.append(("all " + c.name, candidateRanges.mapValues { $0[k] }))
        }
        let scores = try outputSQNR(graph, configurations.map(\.ranges), references: references, clip: heldClip,
                                    options: options, passes: passes)
        var winner = 0
        for k in scores.indices where scores[k] > scores[winner] { winner = k }
        let report = AutoCalibrationReport(
            fitClips: fit.count, heldBackClips: held.count, heldBackSeparate: separate, tensors: choices,
            configurations: configurations.indices.map { .init(name: configurations[$0].name, outputSQNRdB: scores[$0]) },
            chosen: configurations[winner].name)
        return (configurations[winner].ranges, report)
    }

    /// Per tensor: `Σx²` and, per candidate, `Σ(x − fakeQuantize(x))²` on the held-back clips;
    /// and the FP32 output of each held-back clip, the reference of ``outputSQNR``.
    private static func localNoise(_ ranges: [String: [TensorRange]], clipCount: Int, clip: (Int) throws -> Tensor,
                                   options: QuantizationOptions, passes: Calibrator.Passes) throws
        -> ([String: (signal: Double, noise: [Double])], [Tensor])
    {
        guard let output = passes.outputName else {
            throw QuantizationError.unsupportedGraph("the graph has no output")
        }
        let symmetric = options.symmetricActivations
        let qRange = QuantRange.of(options.activationType, symmetric: symmetric)
        let params = ranges.mapValues { rs in
            rs.map { QuantizationMath.parameters(rmin: $0.min, rmax: $0.max, range: qRange, symmetric: symmetric) }
        }
        let perWorker = try ClipWorkers.run(clips: clipCount, workers: passes.interpreters.count) { w, clips in
            // Per clip, so that the sums do not depend on how clips were split over workers.
            var perClip: [([String: (signal: Double, noise: [Double])], Tensor)] = []
            for i in clips {
                var sums: [String: (signal: Double, noise: [Double])] = [:]
                let out = try passes.interpreters[w].runTapped([passes.input.name: try clip(i)]) { name, t in
                    guard let ps = params[name] else { return }
                    t.toFloat32().withUnsafeBufferPointer(of: Float.self) { p in
                        let signal = ReportSums.signalNoise(p, p).signal
                        sums[name] = (signal, ps.map { ReportSums.rounding(p, $0, qRange).noise })
                    }
                }
                perClip.append((sums, out[output]!.toFloat32()))
            }
            return perClip
        }
        var total: [String: (signal: Double, noise: [Double])] = [:]
        for (sums, _) in perWorker.joined() {
            for (name, s) in sums {
                var t = total[name] ?? (0, Array(repeating: 0, count: s.noise.count))
                t.signal += s.signal
                for k in s.noise.indices { t.noise[k] += s.noise[k] }
                total[name] = t
            }
        }
        return (total, perWorker.joined().map(\.1))
    }

    /// Output SQNR (dB) against FP32 (`references`, one per held-back clip) of the QDQ graph each
    /// range set gives, on the held-back clips.
    private static func outputSQNR(_ graph: Graph, _ configurations: [[String: TensorRange]], references: [Tensor],
                                   clip: (Int) throws -> Tensor, options: QuantizationOptions,
                                   passes: Calibrator.Passes) throws -> [Double]
    {
        let clipCount = references.count
        let runner = passes.runner
        // One configuration at a time: a fake-quant executor holds a compiled FP32 node (output and
        // im2col buffers) per node, GBs for a 180-frame DeepPhys clip, so building all of them at
        // once per worker ran `rppg pipeline --model deepphys` out of 24 GiB.
        return try configurations.map { ranges in
            let graph = try QDQInsertion.apply(graph, ranges: ranges, options: options)
            let perWorker = try ClipWorkers.run(clips: clipCount, workers: passes.interpreters.count) { _, clips in
                let fake = try FakeQuantExecutor(graph: graph, runner: runner)
                return try clips.map { i in
                    let got = try fake.run(try clip(i)).toFloat32()
                    return references[i].withUnsafeBufferPointer(of: Float.self) { a in
                        got.withUnsafeBufferPointer(of: Float.self) { b in ReportSums.signalNoise(a, b) }
                    }
                }
            }
            // Summed in clip order, so that the score does not depend on how clips were split.
            let sums = perWorker.joined()
            return LayerReport.sqnr(signal: sums.reduce(0) { $0 + $1.signal }, noise: sums.reduce(0) { $0 + $1.noise })
        }
    }
}

/// How `--method auto` chose, for the per-layer report.
public struct AutoCalibrationReport: Hashable, Sendable, Codable {
    public struct Candidate: Hashable, Sendable, Codable {
        public var method: String
        public var min: Float
        public var max: Float
        /// The tensor's own rounding and clipping noise against its FP32 values, held-back clips.
        public var localSQNRdB: Double
    }

    public struct TensorChoice: Hashable, Sendable, Codable {
        public var tensor: String
        /// The candidate with the highest local SQNR (used by the per-tensor configuration).
        public var chosen: String
        public var candidates: [Candidate]
    }

    public struct Configuration: Hashable, Sendable, Codable {
        public var name: String
        /// SQNR of the model output (the pulse waveform) against FP32 on the held-back clips.
        public var outputSQNRdB: Double
    }

    public var fitClips: Int
    public var heldBackClips: Int
    /// False when there were too few clips to hold any back (the choice was judged on the fitting clips).
    public var heldBackSeparate: Bool
    public var tensors: [TensorChoice]
    public var configurations: [Configuration]
    /// The configuration whose ranges were used: `per-tensor` or `all <method>`.
    public var chosen: String

    /// The method each tensor ended up with under the chosen configuration.
    public func method(of tensor: String) -> String? {
        if chosen == "per-tensor" { return tensors.first { $0.tensor == tensor }?.chosen }
        return String(chosen.dropFirst("all ".count))
    }

    public var text: String {
        func f(_ x: Double) -> String { x.isInfinite ? (x > 0 ? "inf" : "-inf") : String(format: "%.2f", x) }
        var lines = ["auto calibration: ranges fitted on \(fitClips) clip(s), judged on \(heldBackClips) "
                     + (heldBackSeparate ? "held-back clip(s)" : "of the same clip(s) (too few to hold any back)")]
        lines.append("output SQNR (dB) by configuration:")
        for c in configurations {
            lines.append("  " + (c.name == chosen ? "* " : "  ") + c.name.padding(toLength: 26, withPad: " ", startingAt: 0) + f(c.outputSQNRdB))
        }
        lines.append("per-tensor best local SQNR (dB):")
        for t in tensors {
            let row = t.candidates.map { "\($0.method) \(f($0.localSQNRdB))" }.joined(separator: ", ")
            lines.append("  \(t.tensor): \(t.chosen)  [\(row)]")
        }
        return lines.joined(separator: "\n")
    }
}
