import NN
import TensorCore

extension QDQQuantizer {
    /// One quantized activation of the QDQ graph, as the report names it.
    private struct Tap {
        var tensor: String, dqOutput: String, producer: String, producerOp: String
        var params: QuantParameters, range: QuantRange
    }

    /// One clip's sums per tap (and for the graph output); clips are summed in clip order at the
    /// end, so the report does not depend on how clips were split over threads.
    private struct ClipSums {
        var signal, noise, localNoise: [Double]
        var clipped, count: [Int]
        var outSignal = 0.0, outNoise = 0.0

        init(taps: Int) {
            signal = Array(repeating: 0, count: taps); noise = signal; localNoise = signal
            clipped = Array(repeating: 0, count: taps); count = clipped
        }
    }

    /// SQNR of every quantized activation of `qdq` against the same tensor in `fp32`, measured on
    /// clips `0..<clipCount` split over `threads` workers (each with its own FP32 and fake-quant
    /// interpreters; `clip` may be called from several threads at once). `wholeGraph`, when given,
    /// runs the FP32 reference as one graph (see ``Calibrator/ranges(_:clipCount:clip:options:runner:wholeGraph:)``).
    public static func measureReport(fp32: Graph, qdq: Graph, clipCount: Int, clip: (Int) throws -> Tensor,
                                     runner: @escaping FloatRunnerFactory, threads: Int = 1,
                                     wholeGraph: FloatRunnerFactory? = nil) throws -> LayerReport {
        let taps = Self.taps(qdq)
        let byTensor = Dictionary(taps.indices.map { (taps[$0].tensor, $0) }, uniquingKeysWith: { a, _ in a })
        let byDQ = Dictionary(taps.indices.map { (taps[$0].dqOutput, $0) }, uniquingKeysWith: { a, _ in a })
        guard let input = fp32.inputs.first, let output = fp32.outputs.first else {
            throw QuantizationError.unsupportedGraph("the graph has no input or output")
        }
        _ = try FakeQuantExecutor(graph: qdq, runner: runner)  // graph checks before any worker starts
        let workers = ClipWorkers.split(clips: clipCount, threads: threads).workers
        let perWorker = try ClipWorkers.run(clips: clipCount, workers: workers) { _, clips -> [ClipSums] in
            let reference = try NodeInterpreter.make(fp32, taps: taps.map(\.tensor), runner: runner, wholeGraph: wholeGraph)
            let fake = try FakeQuantExecutor(graph: qdq, runner: runner)
            var sums: [ClipSums] = []
            for c in clips {
                let x = try clip(c)
                var s = ClipSums(taps: taps.count)
                var kept: [Int: Tensor] = [:]
                let ref = try reference.runTapped([input.name: x]) { name, t in
                    if let i = byTensor[name] {
                        kept[i] = t
                        let r = t.toFloat32().withUnsafeBufferPointer(of: Float.self) {
                            ReportSums.rounding($0, taps[i].params, taps[i].range)
                        }
                        s.localNoise[i] += r.noise
                        s.clipped[i] += r.clipped
                    }
                }[output.name]!
                let got = try fake.run(x) { name, t in
                    guard let i = byDQ[name], let r = kept[i] else { return }
                    let (sig, noise) = signalNoise(r, t)
                    s.signal[i] += sig; s.noise[i] += noise; s.count[i] += r.elementCount
                }
                (s.outSignal, s.outNoise) = signalNoise(ref, got)
                sums.append(s)
            }
            return sums
        }
        var total = ClipSums(taps: taps.count)
        for s in perWorker.joined() {
            for i in taps.indices {
                total.signal[i] += s.signal[i]; total.noise[i] += s.noise[i]; total.localNoise[i] += s.localNoise[i]
                total.clipped[i] += s.clipped[i]; total.count[i] += s.count[i]
            }
            total.outSignal += s.outSignal; total.outNoise += s.outNoise
        }
        let layers = taps.indices.map { i in
            let t = taps[i]
            return LayerError(tensor: t.tensor, producer: t.producer, producerOp: t.producerOp, scale: t.params.scale,
                              zeroPoint: t.params.zeroPoint, sqnrDB: LayerReport.sqnr(signal: total.signal[i], noise: total.noise[i]),
                              localSQNRdB: LayerReport.sqnr(signal: total.signal[i], noise: total.localNoise[i]),
                              clippedFraction: total.count[i] > 0 ? Double(total.clipped[i]) / Double(total.count[i]) : 0)
        }
        return LayerReport(layers: layers, clipCount: clipCount,
                           outputSQNRdB: LayerReport.sqnr(signal: total.outSignal, noise: total.outNoise))
    }

    private static func signalNoise(_ a: Tensor, _ b: Tensor) -> (Double, Double) {
        a.toFloat32().withUnsafeBufferPointer(of: Float.self) { pa in
            b.toFloat32().withUnsafeBufferPointer(of: Float.self) { pb in ReportSums.signalNoise(pa, pb) }
        }
    }

    /// Every activation quantized by a `<tensor>_QuantizeLinear` → DequantizeLinear pair with a
    /// per-tensor scale, in graph order.
    private static func taps(_ qdq: Graph) -> [Tap] {
        var taps: [Tap] = []
        for node in qdq.nodes {
            guard case .quantizeLinear = node.op, node.name.hasSuffix("_QuantizeLinear"),
                  qdq.initializers[node.inputs[0]] == nil,
                  let s = qdq.initializers[node.inputs[1]], s.elementCount == 1 else { continue }
            let tensor = String(node.name.dropLast("_QuantizeLinear".count))
            let zpTensor = node.inputs.count > 2 ? qdq.initializers[node.inputs[2]] : nil
            let zp = Int32(zpTensor?.doubleValues().first ?? 0)
            guard let dq = qdq.consumers(of: node.outputs[0]).first(where: { if case .dequantizeLinear = $0.op { return true }; return false })
            else { continue }
            let producer = qdq.producer(of: node.inputs[0])
            taps.append(Tap(tensor: tensor, dqOutput: dq.outputs[0], producer: producer?.name ?? "(graph input)",
                            producerOp: producer?.op.name ?? "input",
                            params: QuantParameters(scale: s.floatValues()[0], zeroPoint: zp),
                            range: QuantRange.of(zpTensor?.dtype ?? .uint8)))
        }
        return taps
    }
}
