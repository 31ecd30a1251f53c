import NN
import TensorCore

/// What ``QDQQuantizer/quantize(_:calibration:options:runner:reportClipLimit:)`` returns.
public struct QuantizationResult: Sendable {
    /// The QDQ graph, shaped like ORT's `quantize_static` output.
    public var graph: Graph
    /// Calibrated range of every observed tensor (before the Relu adjustment).
    public var ranges: [String: TensorRange]
    /// Per-layer SQNR against FP32.
    public var layerReport: LayerReport
}

/// Post-training static quantization to QDQ, as ONNX Runtime's `quantize_static` does it:
/// calibrate activation ranges with the FP32 executor, then insert Q/DQ (``QDQInsertion``).
public enum QDQQuantizer {
    /// Quantizes `fp32` (BatchNorm already folded, as PyTorch's export leaves it). Each element of
    /// `calibration` is one executor run (usually one `[1, 3, T, H, W]` clip). The per-layer report
    /// is measured on the first `reportClipLimit` clips (all when nil).
    public static func quantize(_ fp32: Graph, calibration: [Tensor], options: QuantizationOptions = QuantizationOptions(),
                                runner: @escaping FloatRunnerFactory, reportClipLimit: Int? = 32) throws -> QuantizationResult {
        try quantize(fp32, clipCount: calibration.count, clip: { calibration[$0] }, options: options,
                     runner: runner, reportClipLimit: reportClipLimit)
    }

    /// Same, with clips produced on demand (a view into a large tensor, a file…).
    public static func quantize(_ fp32: Graph, clipCount: Int, clip: (Int) throws -> Tensor,
                                options: QuantizationOptions = QuantizationOptions(),
                                runner: @escaping FloatRunnerFactory, reportClipLimit: Int? = 32) throws -> QuantizationResult {
        let ranges = try Calibrator.ranges(fp32, clipCount: clipCount, clip: clip, options: options, runner: runner)
        let qdq = try QDQInsertion.apply(fp32, ranges: ranges, options: options)
        let reportClips = min(clipCount, reportClipLimit ?? clipCount)
        let report = try measureReport(fp32: fp32, qdq: qdq, clipCount: reportClips, clip: clip, runner: runner)
        return QuantizationResult(graph: qdq, ranges: ranges, layerReport: report)
    }

    /// SQNR of every quantized activation of `qdq` against the same tensor in `fp32`.
    public static func measureReport(fp32: Graph, qdq: Graph, clipCount: Int, clip: (Int) throws -> Tensor,
                                     runner: @escaping FloatRunnerFactory) throws -> LayerReport {
        struct Entry {
            var tensor: String, dqOutput: String, producer: String, producerOp: String
            var params: QuantParameters, range: QuantRange
            var signal = 0.0, noise = 0.0, localNoise = 0.0, clipped = 0, count = 0
        }
        var entries: [Entry] = []
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
            entries.append(Entry(tensor: tensor, dqOutput: dq.outputs[0], producer: producer?.name ?? "(graph input)",
                                 producerOp: producer?.op.name ?? "input",
                                 params: QuantParameters(scale: s.floatValues()[0], zeroPoint: zp),
                                 range: QuantRange.of(zpTensor?.dtype ?? .uint8)))
        }
        let byTensor = Dictionary(entries.indices.map { (entries[$0].tensor, $0) }, uniquingKeysWith: { a, _ in a })
        let byDQ = Dictionary(entries.indices.map { (entries[$0].dqOutput, $0) }, uniquingKeysWith: { a, _ in a })
        let reference = NodeInterpreter(graph: fp32, factory: runner)
        let fake = try FakeQuantExecutor(graph: qdq, runner: runner)
        guard let input = fp32.inputs.first, let output = fp32.outputs.first else {
            throw QuantizationError.unsupportedGraph("the graph has no input or output")
        }
        var outSignal = 0.0, outNoise = 0.0
        for c in 0..<clipCount {
            let x = try clip(c)
            var kept: [Int: Tensor] = [:]
            let ref = try reference.run([input.name: x]) { name, t in
                if let i = byTensor[name] {
                    kept[i] = t
                    var e = entries[i]
                    t.withUnsafeBufferPointer(of: Float.self) { v in
                        for f in v {
                            let q = QuantizationMath.quantize(f, e.params, e.range)
                            if q == e.range.qmin || q == e.range.qmax {
                                let back = QuantizationMath.dequantize(q, e.params)
                                if abs(f - back) > e.params.scale / 2 { e.clipped += 1 }
                            }
                            let d = Double(f) - Double(QuantizationMath.dequantize(q, e.params))
                            e.localNoise += d * d
                        }
                    }
                    entries[i] = e
                }
                return t
            }[output.name]!
            let got = try fake.run(x) { name, t in
                guard let i = byDQ[name], let r = kept[i] else { return }
                var (s, n) = (0.0, 0.0)
                r.withUnsafeBufferPointer(of: Float.self) { a in
                    t.withUnsafeBufferPointer(of: Float.self) { b in
                        for k in 0..<min(a.count, b.count) {
                            let d = Double(a[k]) - Double(b[k])
                            s += Double(a[k]) * Double(a[k]); n += d * d
                        }
                    }
                }
                entries[i].signal += s; entries[i].noise += n; entries[i].count += r.elementCount
            }
            let a = ref.floatValues(), b = got.floatValues()
            for k in 0..<min(a.count, b.count) {
                let d = Double(a[k]) - Double(b[k])
                outSignal += Double(a[k]) * Double(a[k]); outNoise += d * d
            }
        }
        let layers = entries.map { e in
            LayerError(tensor: e.tensor, producer: e.producer, producerOp: e.producerOp, scale: e.params.scale,
                       zeroPoint: e.params.zeroPoint, sqnrDB: LayerReport.sqnr(signal: e.signal, noise: e.noise),
                       localSQNRdB: LayerReport.sqnr(signal: e.signal, noise: e.localNoise),
                       clippedFraction: e.count > 0 ? Double(e.clipped) / Double(e.count) : 0)
        }
        return LayerReport(layers: layers, clipCount: clipCount, outputSQNRdB: LayerReport.sqnr(signal: outSignal, noise: outNoise))
    }
}
