import Foundation
import Kernels
import NN
import ONNX
import Quantization
import RPPG
import TensorCore
import Testing
import TorchIO
@testable import Workflow

/// DeepPhys, TS-CAN and EfficientPhys (and iBVPNet, a clip model, with formula weights) through
/// export and quantization, against what ONNX Runtime's quantize_static and int8 kernels made of
/// the same export (Tools/make_frame_model_quant_fixtures.py and Tools/make_ibvpnet_fixtures.py,
/// which also check onnx.checker and ORT FP32 vs PyTorch).
@Suite struct FrameModelQuantizationTests {
    struct Meta: Decodable {
        struct Quantized: Decodable { let name: String; let shape: [Int]; let offset: Int; let count: Int }
        let input_shape: [Int], output_shape: [Int], clips: Int, stride: Int
        let quantized: [Quantized], quantized_per_clip: Int
        let output_scale: Float
        let ranges: [String: [Float]]
    }

    static let models = ["deepphys", "tscan", "efficientphys", "ibvpnet"]
    static let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    static func fixture(_ name: String) throws -> URL {
        try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
            .appendingPathComponent(["ibvpnet", "physformer"].first { name.hasPrefix($0) } ?? "frame_models").appendingPathComponent(name)
    }
    static func meta(_ model: String) throws -> Meta {
        try JSONDecoder().decode(Meta.self, from: Data(contentsOf: fixture("\(model).json")))
    }

    /// The FP32 graph `rppg export --model M --frames 10` writes, as ONNX Runtime read it (iBVPNet
    /// and PhysFormer: 16 frames; PhysFormer at `--opset 17`, for LayerNormalization).
    static func exportedGraph(_ model: String) throws -> Graph {
        let weights = ["efficientphys", "physformer"].contains(model) ? "\(model)_weights.pth" : "deepphys_weights.pth"
        var checkpoint = tests.appendingPathComponent("RPPGTests/Fixtures/zoo").appendingPathComponent(weights)
        if model == "ibvpnet" {
            checkpoint = FileManager.default.temporaryDirectory.appendingPathComponent("ibvpnet-formula-\(UUID().uuidString).pth")
            try TorchFile.save(ModelZoo.formulaWeights(.iBVPNet).pickleValue, to: checkpoint)
        }
        defer { if model == "ibvpnet" { try? FileManager.default.removeItem(at: checkpoint) } }
        let options = ExportOptions(checkpoint: checkpoint, output: URL(fileURLWithPath: "/dev/null"), model: model,
                                    frames: ["ibvpnet", "physformer"].contains(model) ? 16 : 10)
        let (graph, _, _) = try ExportModel.inferenceGraph(options)
        return try ONNXReader.decode(try ONNXWriter.encode(graph, opset: model == "physformer" ? 17 : 13), source: "\(model)_fp32.onnx")
    }

    struct NodeRecord: Hashable { var name: String, op: String, inputs: [String], outputs: [String] }
    /// quantize_static's defaults: the frame models' input is read by Slices only, which our
    /// default (`quantizeLayoutOnlyInputs`, ORT's ForceQuantizeNoInputCheck) would quantize.
    static var ortDefaults: QuantizationOptions {
        var o = QuantizationOptions()
        o.quantizeLayoutOnlyInputs = false
        return o
    }

    static func records(_ g: Graph) -> Set<NodeRecord> {
        Set(g.nodes.map { NodeRecord(name: $0.name, op: $0.op.name, inputs: $0.inputs, outputs: $0.outputs) })
    }

    @Test(arguments: models)
    func qdqInsertionWithORTRangesEqualsQuantizeStatic(_ model: String) throws {
        let meta = try Self.meta(model)
        let ranges = meta.ranges.mapValues { TensorRange(min: $0[0], max: $0[1]) }
        let mine = try QDQInsertion.apply(try Self.exportedGraph(model), ranges: ranges, options: Self.ortDefaults)
        let theirs = try ONNXReader.read(try Self.fixture("\(model)_qdq.onnx"))
        let (a, b) = (Self.records(mine), Self.records(theirs))
        #expect(a.subtracting(b).isEmpty, "\(model): extra \(a.subtracting(b).map(\.name).sorted())")
        #expect(b.subtracting(a).isEmpty, "\(model): missing \(b.subtracting(a).map(\.name).sorted())")
        #expect(Set(mine.initializers.keys) == Set(theirs.initializers.keys),
                "\(model): initializers \(Set(mine.initializers.keys).symmetricDifference(theirs.initializers.keys).sorted())")
        var compared = 0
        for (name, ref) in theirs.initializers {
            guard let t = mine.initializers[name] else { continue }
            #expect(t.dtype == ref.dtype && t.shape == ref.shape, "\(model): \(name) \(t.dtype) \(t.shape) vs \(ref.dtype) \(ref.shape)")
            // Bit-identical: scales, zero points, int8 weights and int32 biases alike.
            #expect(t.doubleValues() == ref.doubleValues(), "\(model): \(name) differs")
            compared += 1
        }
        #expect(compared > 20)
    }

    /// `rppg quantize` calibrating TS-CAN itself, on the clips ORT calibrated on ([K, N·T, 6, S, S]):
    /// the same nodes, int8 weights and zero points as quantize_static, scales within 1e-6 relative
    /// and int32 biases within 1.
    @Test func quantizeOnFrameSamplesMatchesQuantizeStatic() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("frame-quant-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let fp32 = dir.appendingPathComponent("tscan_fp32.onnx")
        _ = try ExportModel.run(ExportOptions(checkpoint: Self.tests.appendingPathComponent("RPPGTests/Fixtures/zoo/deepphys_weights.pth"),
                                              output: fp32, model: "tscan", frames: 10))
        let result = try QuantizeModel.run(.init(model: fp32, calibration: try Self.fixture("tscan_calibration.pt"),
                                                 output: dir.appendingPathComponent("tscan_qdq.onnx"), quantization: Self.ortDefaults))
        #expect(result.clipCount == 4)
        let (mine, theirs) = (result.graph, try ONNXReader.read(try Self.fixture("tscan_qdq.onnx")))
        #expect(Self.records(mine) == Self.records(theirs))
        var worstScale = 0.0, intMismatches: [String] = [], biasDiffering = 0, biasWorst = 0.0
        for (name, ref) in theirs.initializers {
            guard let t = mine.initializers[name], t.shape == ref.shape, t.dtype == ref.dtype else {
                Issue.record("initializer \(name) missing or of another type")
                continue
            }
            if t.dtype.isFloatingPoint {
                for (a, b) in zip(t.doubleValues(), ref.doubleValues()) { worstScale = max(worstScale, abs(a - b) / max(abs(b), 1e-30)) }
            } else if t.dtype == .int32 {
                // Biases are round(b / (xScale·wScale)): a scale 4e-7 off moves a rounding now and then.
                let d = zip(t.doubleValues(), ref.doubleValues()).map { abs($0 - $1) }
                biasDiffering += d.filter { $0 > 0 }.count
                biasWorst = max(biasWorst, d.max() ?? 0)
            } else if t.doubleValues() != ref.doubleValues() {
                intMismatches.append(name)
            }
        }
        print("tscan own calibration vs ORT: scales within \(worstScale) relative, \(biasDiffering) int32 bias values off by at most \(biasWorst)")
        #expect(worstScale <= 1e-6)
        #expect(biasWorst <= 1)
        #expect(intMismatches.isEmpty, "int8 weights / zero points differing: \(intMismatches)")
    }

    /// How the int8 engine's values compare with ORT's sampled ones (`NAME_ort_q.bin`) and its
    /// float outputs (`NAME_ort.bin`) on `clips`.
    struct Int8Comparison {
        var total = 0, withinOne = 0, exact = 0, worst = 0, outputMaxLSB: Float = 0
        var missing: [String] = []
        /// The first tensor (graph order) with a value beyond 1 LSB, per clip.
        var firstBeyond: [String] = []
        /// Sampled values beyond 1 LSB, per tensor name.
        var beyondByTensor: [String: Int] = [:]
        var summary: String {
            "\(exact)/\(total) sampled int8 values equal to ORT, \(withinOne)/\(total) within 1 LSB, worst \(worst) LSB; "
                + "output max \(outputMaxLSB) LSB" + (firstBeyond.first.map { "; first beyond 1 LSB: \($0)" } ?? "")
        }
    }

    static func compareInt8(_ model: String, graph: Graph, clips: [Tensor], path: Int8Path = Int8Dispatch.best) throws -> Int8Comparison {
        let meta = try Self.meta(model)
        let ortQ = try Data(contentsOf: Self.fixture("\(model)_ort_q.bin"))
        let ortF = try Data(contentsOf: Self.fixture("\(model)_ort.bin"))
        let outCount = meta.output_shape.reduce(1, *)
        #expect(clips.count == meta.clips && ortQ.count == meta.clips * meta.quantized_per_clip)
        let exec = try Int8Executor(graph: graph, threads: 2, path: path)
        var c = Int8Comparison()
        for (clip, x) in clips.enumerated() {
            let y = try exec.run(x)
            #expect(y.shape == meta.output_shape)
            let expected: [Float] = ortF.withUnsafeBytes { Array($0.bindMemory(to: Float.self)[(clip * outCount)..<((clip + 1) * outCount)]) }
            for (a, b) in zip(y.floatValues(), expected) { c.outputMaxLSB = max(c.outputMaxLSB, abs(a - b) / meta.output_scale) }
            var first: String?
            for q in meta.quantized {
                guard let value = exec.quantizedValue(q.name) else { c.missing.append(q.name); continue }
                let mine = value.values.scalars(as: Int8.self)
                #expect(mine.count == q.shape.reduce(1, *), "\(q.name)")
                for (k, b) in Self.ortValues(q, clip: clip, meta: meta, data: ortQ).enumerated() where k * meta.stride < mine.count {
                    let d = abs(Int(mine[k * meta.stride]) - Int(b))
                    c.total += 1
                    c.worst = max(c.worst, d)
                    if d <= 1 { c.withinOne += 1 } else {
                        c.beyondByTensor[q.name, default: 0] += 1
                        if first == nil { first = "\(q.name)[\(k * meta.stride)]: \(mine[k * meta.stride]) vs \(b)" }
                    }
                    if d == 0 { c.exact += 1 }
                }
            }
            if let first { c.firstBeyond.append(first) }
        }
        return c
    }

    @Test(arguments: models.filter { $0 != "ibvpnet" })
    func int8EngineMatchesORTWithinOneLSB(_ model: String) throws {
        let meta = try Self.meta(model)
        let graph = try ONNXReader.read(try Self.fixture("\(model)_qdq.onnx"))
        let inputs = try Data(contentsOf: Self.fixture("\(model)_inputs.bin"))
        let inCount = meta.input_shape.reduce(1, *)
        #expect(inputs.count == meta.clips * inCount * 4)
        let clips = (0..<meta.clips).map { clip in
            Tensor(shape: meta.input_shape, scalars: inputs.withUnsafeBytes { Array($0.bindMemory(to: Float.self)[(clip * inCount)..<((clip + 1) * inCount)]) })
        }
        for path in [Int8Dispatch.best, .portable] {
            let c = try Self.compareInt8(model, graph: graph, clips: clips, path: path)
            print("\(model) [\(path)]: \(c.summary)")
            #expect(c.missing.isEmpty, "\(model): values not in the int8 plan: \(c.missing)")
            #expect(c.total > 1000)
            // Int8ORTParityTests' rule (within 1 LSB) for 99.999 % rather than 99.9 % of the values:
            // a 1-LSB difference that enters a steep tanh/sigmoid (input scale above its output
            // scale) leaves it as 2–3 LSB, which a few values in a million of these chains show.
            #expect(Double(c.withinOne) >= 0.99999 * Double(c.total), "\(model) [\(path)]: \(c.total - c.withinOne) of \(c.total) sampled values beyond 1 LSB")
            #expect(c.outputMaxLSB <= 1.001, "\(model) [\(path)]: output \(c.outputMaxLSB) LSB from ORT")
        }
    }

    /// ORT's sampled int8 values of `q` for clip `clip`.
    static func ortValues(_ q: Meta.Quantized, clip: Int, meta: Meta, data: Data) -> [Int8] {
        let base = clip * meta.quantized_per_clip + q.offset
        return data.withUnsafeBytes { Array($0.bindMemory(to: Int8.self)[base..<(base + q.count)]) }
    }

    /// iBVPNet end to end is not within 1 LSB of ORT: every block is Conv → Tanh → InstanceNorm,
    /// and a Tanh whose input scale is many times its output's turns a 1-LSB tie difference of the
    /// conv before it (REFERENCE.md §6) into several LSB, which the next InstanceNorm (channels a few
    /// LSB wide) and 704-tap convs spread (measured: 87 % of sampled values within 1 LSB, output 159
    /// LSB). What holds, and is asserted: every tensor up to the first such Tanh output is within
    /// 1 LSB, and every Tanh maps ORT's own int8 inputs to exactly ORT's outputs.
    @Test func iBVPNetInt8MatchesORTUpToTanhAmplification() throws {
        let meta = try Self.meta("ibvpnet")
        let graph = try ONNXReader.read(try Self.fixture("ibvpnet_qdq.onnx"))
        let inputs = try Data(contentsOf: Self.fixture("ibvpnet_inputs.bin"))
        let ortQ = try Data(contentsOf: Self.fixture("ibvpnet_ort_q.bin"))
        let inCount = meta.input_shape.reduce(1, *)
        let exec = try Int8Executor(graph: graph, threads: 2)
        let byName = Dictionary(uniqueKeysWithValues: meta.quantized.map { ($0.name, $0) })
        func parameters(_ tensor: String) throws -> (Float, Int32) {
            let q = try #require(graph.nodes.first { $0.outputs.contains(tensor) && $0.op.name == "QuantizeLinear" })
            let scale = try #require(graph.initializers[q.inputs[1]]).floatValues()[0]
            let zp = try #require(graph.initializers[q.inputs[2]]).doubleValues()[0]
            return (scale, Int32(zp))
        }
        var tanhsChecked = 0
        for clip in 0..<meta.clips {
            let x: [Float] = inputs.withUnsafeBytes { Array($0.bindMemory(to: Float.self)[(clip * inCount)..<((clip + 1) * inCount)]) }
            _ = try exec.run(Tensor(shape: meta.input_shape, scalars: x))
            var firstBeyond: String?
            for q in meta.quantized {
                let mine = try #require(exec.quantizedValue(q.name)).values.scalars(as: Int8.self)
                let theirs = Self.ortValues(q, clip: clip, meta: meta, data: ortQ)
                let beyond = theirs.indices.filter { abs(Int(mine[$0 * meta.stride]) - Int(theirs[$0])) > 1 }.count
                if beyond > 0 { firstBeyond = q.name; break }
            }
            let first = try #require(firstBeyond, "clip \(clip): all within 1 LSB")
            #expect(first.contains("/Tanh_") && !first.contains("_preactivation"), "clip \(clip): first value beyond 1 LSB in \(first)")
            print("ibvpnet clip \(clip): every tensor before \(first) within 1 LSB of ORT")
            // Each Tanh: lookup(ORT's int8 input) == ORT's int8 output (same sampled elements: same shape).
            for q in meta.quantized where q.name.contains("/Tanh_") && !q.name.contains("_preactivation") {
                let inputName = q.name.replacingOccurrences(of: "_QuantizeLinear_Output", with: "_preactivation_QuantizeLinear_Output")
                let pre = try #require(byName[inputName], "\(inputName)")
                let (xs, xz) = try parameters(pre.name), (ys, yz) = try parameters(q.name)
                let input = Self.ortValues(pre, clip: clip, meta: meta, data: ortQ), output = Self.ortValues(q, clip: clip, meta: meta, data: ortQ)
                let lookedUp = input.map { Int8Quantize.quantize(tanhf(Int8Quantize.dequantize($0, scale: xs, zeroPoint: xz)), scale: ys, zeroPoint: yz) }
                #expect(lookedUp == output, "\(q.name): \(zip(lookedUp, output).filter { $0 != $1 }.count) of \(output.count) differ")
                tanhsChecked += 1
            }
        }
        #expect(tanhsChecked == 2 * 16)
    }
}
