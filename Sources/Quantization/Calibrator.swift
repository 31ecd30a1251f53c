import NN
import TensorCore

/// Runs the FP32 graph over calibration clips and turns observer statistics into activation
/// ranges, as ORT's calibrators do inside `quantize_static`.
///
/// MinMax takes one pass. Percentile and Entropy take two: the first finds each tensor's range,
/// the second fills a histogram whose bins are placed from it — which is exactly what ORT's
/// single `np.histogram` over all batches gives, with memory that does not grow with the clip
/// count (only the observers persist between clips).
public enum Calibrator {
    /// Checks a clip against the graph input before it reaches the executor.
    static func validate(_ clip: Tensor, index: Int, input: ValueInfo) throws {
        guard clip.dtype == .float32 else {
            throw QuantizationError.badCalibrationClip(index: index, reason: "dtype is \(clip.dtype.rawValue), expected float32")
        }
        guard clip.rank == input.shape.count, Array(clip.shape.dropFirst()) == Array(input.shape.dropFirst()) else {
            throw QuantizationError.badCalibrationClip(
                index: index, reason: "shape \(clip.shape) does not fit the model input \(input.shape) (batch may differ)")
        }
        let hasNaN = clip.withUnsafeBufferPointer(of: Float.self) { $0.contains { !$0.isFinite } }
        if hasNaN {
            throw QuantizationError.badCalibrationClip(index: index, reason: "it holds NaN or infinite values")
        }
    }

    /// Activation ranges of every value ``QDQRule/tensorsToCalibrate(_:)`` lists. `runner` compiles
    /// one-node graphs; `wholeGraph`, when given, compiles the whole graph with the calibrated
    /// values as extra outputs instead (an engine that runs any graph, e.g. NN's FP32 executor).
    /// Clips are split over `options.threads` workers: `clip` may be called from several threads.
    public static func ranges(_ graph: Graph, clipCount: Int, clip: (Int) throws -> Tensor,
                              options: QuantizationOptions, runner: @escaping FloatRunnerFactory,
                              wholeGraph: FloatRunnerFactory? = nil) throws -> [String: TensorRange] {
        try calibrate(graph, clipCount: clipCount, clip: clip, options: options, runner: runner, wholeGraph: wholeGraph).ranges
    }

    /// Same, with the report of `--method auto`'s choice (nil for the other methods).
    public static func calibrate(_ graph: Graph, clipCount: Int, clip: (Int) throws -> Tensor,
                                 options: QuantizationOptions, runner: @escaping FloatRunnerFactory,
                                 wholeGraph: FloatRunnerFactory? = nil) throws
        -> (ranges: [String: TensorRange], auto: AutoCalibrationReport?)
    {
        guard clipCount > 0 else { throw QuantizationError.noCalibrationData }
        guard graph.inputs.count == 1, let input = graph.inputs.first else {
            throw QuantizationError.unsupportedGraph("calibration needs a graph with one input, this one has \(graph.inputs.count)")
        }
        let names = QDQRule.tensorsToCalibrate(graph)
        // Clips are split over `options.threads` workers, each with its own interpreter and
        // observers; min/max (and, below, fixed-bin counts) merge exactly in any order.
        let workers = ClipWorkers.split(clips: clipCount, threads: options.threads).workers
        let passes = try Passes(graph: graph, input: input, names: names, workers: min(workers, clipCount),
                                runner: runner, wholeGraph: wholeGraph)
        if options.method == .auto {
            let chosen = try AutoCalibration.ranges(graph, clipCount: clipCount, clip: clip, options: options, passes: passes)
            return (chosen.ranges, chosen.report)
        }
        if options.method == .minMax, options.movingAverage {
            // ORT's ReduceMin/ReduceMax of an empty or all-NaN clip is NaN, which nanmean skips.
            let perClip = try passes.clipObservers(clipCount: clipCount, clip: clip)
            let ranges = Dictionary(uniqueKeysWithValues: passes.names.compactMap { name -> (String, TensorRange)? in
                let seen = perClip.map { $0[name] }
                guard seen.contains(where: { $0 != nil }) else { return nil }
                let lo = seen.map { $0.map { $0.hasData ? $0.min : .nan } ?? .nan }
                let hi = seen.map { $0.map { $0.hasData ? $0.max : .nan } ?? .nan }
                return (name, TensorRange(min: NumpyFloat32.nanMean(lo), max: NumpyFloat32.nanMean(hi)))
            })
            return (ranges, nil)
        }
        let minMax = try passes.minMax(clipCount: clipCount, clip: clip)
        var result: [String: TensorRange] = [:]
        switch options.method {
        case .minMax, .auto:  // .auto returned above
            for (name, o) in minMax {
                let r = o.range
                result[name] = TensorRange(min: r.min, max: r.max)
            }
        case .percentile, .entropy:
            let kind: HistogramObserver.Kind = options.method == .percentile ? .absolute : .signed
            let bins = options.method == .percentile ? options.percentileBins : options.entropyBins
            let hist = try passes.histograms(clipCount: clipCount, clip: clip,
                                             start: minMax.mapValues { [HistogramObserver(kind: kind, binCount: bins, fixedRange: $0)] })
            for (name, h) in hist {
                let r = options.method == .percentile
                    ? h[0].percentileRange(options.percentile)
                    : h[0].entropyRange(quantizedBins: options.entropyQuantizedBins)
                result[name] = TensorRange(min: r.min, max: r.max)
            }
        }
        return (result, nil)
    }

    /// The observation passes over calibration clips, with one interpreter per worker.
    struct Passes {
        let input: ValueInfo
        /// The graph's (first) output, which ``AutoCalibration`` compares.
        let outputName: String?
        let names: [String]
        let interpreters: [ValueTap]
        let runner: FloatRunnerFactory

        init(graph: Graph, input: ValueInfo, names: [String], workers: Int, runner: @escaping FloatRunnerFactory,
             wholeGraph: FloatRunnerFactory?) throws {
            self.input = input
            outputName = graph.outputs.first?.name
            self.names = names
            self.runner = runner
            interpreters = try (0..<max(1, workers)).map { _ in
                try NodeInterpreter.make(graph, taps: names, runner: runner, wholeGraph: wholeGraph)
            }
        }

        /// Min and max of every calibrated tensor over clips `0..<clipCount` (validated first).
        func minMax(clipCount: Int, clip: (Int) throws -> Tensor) throws -> [String: MinMaxObserver] {
            var minMax: [String: MinMaxObserver] = [:]
            for seen in try clipObservers(clipCount: clipCount, clip: clip) {
                for (name, o) in seen { minMax[name, default: MinMaxObserver()].merge(o) }
            }
            return minMax
        }

        /// One observer per tensor for each clip, in clip order (the moving average needs each
        /// clip's own min and max; ``minMax(clipCount:clip:)`` merges them).
        func clipObservers(clipCount: Int, clip: (Int) throws -> Tensor) throws -> [[String: MinMaxObserver]] {
            let wanted = Set(names)
            let perWorker = try ClipWorkers.run(clips: clipCount, workers: interpreters.count) { w, clips in
                var perClip: [[String: MinMaxObserver]] = []
                for i in clips {
                    let x = try clip(i)
                    try validate(x, index: i, input: input)
                    var seen: [String: MinMaxObserver] = [:]
                    _ = try interpreters[w].runTapped([input.name: x]) { name, t in
                        if wanted.contains(name) { seen[name, default: MinMaxObserver()].observe(t) }
                    }
                    perClip.append(seen)
                }
                return perClip
            }
            return Array(perWorker.joined())
        }

        /// Fills fixed-bin histograms (several per tensor if asked) over clips `0..<clipCount`.
        func histograms(clipCount: Int, clip: (Int) throws -> Tensor,
                        start: [String: [HistogramObserver]]) throws -> [String: [HistogramObserver]] {
            let filled = try ClipWorkers.run(clips: clipCount, workers: interpreters.count) { w, clips in
                var hist = start
                for i in clips {
                    _ = try interpreters[w].runTapped([input.name: try clip(i)]) { name, t in
                        guard hist[name] != nil else { return }
                        let f = t.toFloat32()
                        f.withUnsafeBufferPointer(of: Float.self) { p in
                            for k in hist[name]!.indices { hist[name]![k].observe(p) }
                        }
                    }
                }
                return hist
            }
            var hist = filled[0]
            for other in filled.dropFirst() {
                for (name, hs) in other { for k in hs.indices { hist[name]?[k].mergeFixed(hs[k]) } }
            }
            return hist
        }
    }
}
