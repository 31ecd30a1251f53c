import Foundation
import NN
import ONNX
import RPPG
import TensorCore
import Testing
import TorchIO
import Workflow

/// `rppg pipeline` end to end on a small synthetic dataset (4 subjects × 12 s at 96×72 → 8 chunks
/// of 128 frames) and a TinyPulse checkpoint with seeded random weights: every output, the
/// manifest's hashes, the structure ONNX Runtime expects of both ONNX files, the verdict rule,
/// and rerun / --force behaviour.
@Suite(.serialized) struct PipelineEndToEndTests {
    /// A TinyPulse state dict with seeded values (BN running_var positive), saved as a checkpoint.
    static func makeCheckpoint(at url: URL, seed: UInt64 = 7) throws {
        var state = seed
        func uniform() -> Float {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(state >> 40) / Float(1 << 24)   // [0, 1)
        }
        var entries: [(key: String, tensor: Tensor)] = []
        for (key, shape) in ModelZoo.parameterShapes(.tinyPulse) {
            let n = shape.reduce(1, *)
            if key.hasSuffix("num_batches_tracked") {
                entries.append((key, Tensor(shape: shape, scalars: [Int64](repeating: 10, count: n))))
                continue
            }
            let fanIn = max(1, shape.dropFirst().reduce(1, *))
            let values: [Float]
            if key.hasSuffix("running_var") {
                values = (0..<n).map { _ in 0.5 + uniform() }
            } else if key.hasSuffix("running_mean") || key.hasSuffix("bias") {
                values = (0..<n).map { _ in 0.2 * (uniform() - 0.5) }
            } else if shape.count == 1 {   // BN weight
                values = (0..<n).map { _ in 0.8 + 0.4 * uniform() }
            } else {
                let bound = sqrt(6 / Float(fanIn))
                values = (0..<n).map { _ in bound * (2 * uniform() - 1) }
            }
            entries.append((key, Tensor(shape: shape, scalars: values)))
        }
        try TorchFile.save(StateDict(entries).pickleValue, to: url)
    }

    static func options(_ work: URL, checkpoint: URL) -> Pipeline.Options {
        var o = Pipeline.Options()
        o.workdir = work
        o.checkpoint = checkpoint
        o.synthetic = SyntheticDataset.Options(subjects: 4, seconds: 12, seed: 3, width: 96, height: 72, fps: 30)
        o.numSamples = 4
        o.threads = 2
        o.showProgress = false
        o.deviceClips = 0  // DeviceRunTests covers the firmware step
        return o
    }

    static func temporaryDirectory(_ tag: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rppg-\(tag)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Every file the manifest lists, with its SHA-256 recomputed from disk.
    static func hashes(_ work: URL) throws -> [String: String] {
        let manifest = Manifest.load(work.appendingPathComponent("manifest.json"))
        var out: [String: String] = [:]
        for key in manifest.files.keys {
            let url = key.hasPrefix("/") ? URL(fileURLWithPath: key) : work.appendingPathComponent(key)
            out[key] = try SHA256Digest.hexDigest(ofFile: url)
        }
        return out
    }

    @Test func runsEndToEndAndSkipsOnRerun() throws {
        let dir = try Self.temporaryDirectory("pipeline")
        defer { try? FileManager.default.removeItem(at: dir) }
        let checkpoint = dir.appendingPathComponent("tiny.pth")
        try Self.makeCheckpoint(at: checkpoint)
        let work = dir.appendingPathComponent("work")
        var lines: [String] = []
        let (summary, verify, deploy) = try Pipeline.run(Self.options(work, checkpoint: checkpoint)) { lines.append($0) }

        // Steps and banners.
        let names = summary.steps.map(\.name)
        #expect(names == ["synth", "preprocess", "calibrate", "export", "quantize", "verify", "deploy-check"])
        #expect(summary.steps.allSatisfy { !$0.skipped })
        #expect(lines.contains { $0.hasPrefix("[Step 1/7] synth") })
        #expect(lines.contains { $0.hasPrefix("[Step 7/7] deploy-check") })

        // Every output exists.
        let expected = ["data/ubfc_processed.pt", "calibration_data.pt", "models/rppg_fp32.onnx", "models/rppg_int8_qdq.onnx",
                        "models/rppg_int8_qdq.report.json", "reports/verify.json", "reports/verify.html",
                        "reports/deploy_check.json", "reports/deploy_check.txt", "manifest.json", "pipeline.json"]
        for path in expected {
            #expect(FileManager.default.fileExists(atPath: work.appendingPathComponent(path).path), "missing \(path)")
        }

        // The manifest lists every output with the SHA-256 of the file on disk.
        let manifest = Manifest.load(work.appendingPathComponent("manifest.json"))
        for path in expected where path != "manifest.json" && path != "pipeline.json" {
            let entry = try #require(manifest.files[path], "manifest lacks \(path)")
            #expect(entry.sha256 == (try SHA256Digest.hexDigest(ofFile: work.appendingPathComponent(path))), "\(path)")
        }
        #expect(manifest.files.keys.contains { $0.hasPrefix("raw/") })
        #expect(manifest.files["models/rppg_fp32.onnx"]?.inputs[checkpoint.path] == (try SHA256Digest.hexDigest(ofFile: checkpoint)))
        let hashes = try Self.hashes(work)
        for (key, hash) in hashes { #expect(manifest.files[key]?.sha256 == hash, "\(key)") }

        // The dataset: 4 subjects × 2 chunks of 128 frames at 36×36.
        let data = try ProcessedDataset.load(work.appendingPathComponent("data/ubfc_processed.pt"))
        #expect(data.clips.shape == [8, 3, 128, 36, 36])

        try Self.checkFP32(work.appendingPathComponent("models/rppg_fp32.onnx"))
        try Self.checkInt8(work.appendingPathComponent("models/rppg_int8_qdq.onnx"))

        // Verify: the verdict follows the numbers and the exit-code rule.
        // The checkpoint was not made by rppg train (no training record): every subject is scored,
        // against the synthetic ground truth's HR line, and the tiny set is flagged.
        #expect(verify.split == "all" && verify.subjects.count == 4)
        #expect(verify.clips == 8 && verify.perClip?.fp32.count == 8)
        #expect(verify.hrSource == "sensor")
        #expect(verify.notes?.isEmpty == false)
        #expect(verify.warnings?.contains { $0.contains("fewer than 5") } == true)
        #expect(verify.fp32.mae.isFinite && verify.int8.mae.isFinite)
        #expect(abs(verify.maeIncrease - (verify.int8.mae - verify.fp32.mae)) < 1e-9)
        #expect(verify.acceptable == (verify.maeIncrease < verify.threshold && (verify.perClip?.maeIncrease ?? .nan) < verify.threshold))
        #expect(verify.verdictBasis?.contains("per clip") == true)
        #expect(verify.verdict == (verify.acceptable ? "ACCEPTABLE" : "DEGRADATION SIGNIFICANT"))
        #expect(verify.remedies.isEmpty == verify.acceptable)
        #expect(Verify.degradationExitCode == 3)
        #expect(verify.waveform?.fp32.count == 128 && verify.waveform?.truth.count == 128)
        #expect(!verify.layerErrors.isEmpty)
        let savedVerify = try JSONOutput.decode(VerifyReport.self, from: Data(contentsOf: work.appendingPathComponent("reports/verify.json")))
        #expect(savedVerify.acceptable == verify.acceptable && savedVerify.maeIncrease == verify.maeIncrease)
        #expect(summary.acceptable == verify.acceptable && summary.maeIncrease == verify.maeIncrease)
        let html = try String(contentsOf: work.appendingPathComponent("reports/verify.html"), encoding: .utf8)
        #expect(html.contains("<svg") && html.contains(verify.verdict))
        // Opens offline: no scripts, stylesheets or images fetched from anywhere.
        #expect(!html.contains("<script") && !html.contains("<link") && !html.contains("src=") && !html.contains("href="))
        #expect(html.components(separatedBy: "<svg").count - 1 == 4)   // scatter, Bland–Altman, layer bars, waveform

        // Deploy check of the INT8 model.
        #expect(deploy.inputShape == [1, 3, 128, 36, 36])
        #expect(deploy.flashBytes > 0 && deploy.macs > 0)
        #expect(deploy.ramBytes > 0 && deploy.ramBytes <= deploy.ramBytesWithoutReuse)
        #expect(deploy.deployable)

        // Rerun: every step skipped, no file touched.
        let (again, againVerify, _) = try Pipeline.run(Self.options(work, checkpoint: checkpoint)) { _ in }
        #expect(again.steps.map(\.name) == names)
        #expect(again.steps.allSatisfy { $0.skipped })
        let rerunHashes = try Self.hashes(work)
        #expect(rerunHashes == hashes)
        #expect(againVerify.maeIncrease == verify.maeIncrease)

        // A changed checkpoint reruns calibrate (its training record decides the calibration
        // subjects), export and what depends on them, not synth/preprocess. The record is the
        // same (none), so calibration draws the same clips: the same bytes.
        try Self.makeCheckpoint(at: checkpoint, seed: 8)
        let (changed, _, _) = try Pipeline.run(Self.options(work, checkpoint: checkpoint)) { _ in }
        #expect(changed.steps.filter(\.skipped).map(\.name) == ["synth", "preprocess"])
        let afterChange = try Self.hashes(work)
        #expect(afterChange["data/ubfc_processed.pt"] == hashes["data/ubfc_processed.pt"])
        #expect(afterChange["calibration_data.pt"] == hashes["calibration_data.pt"])
        #expect(afterChange["models/rppg_fp32.onnx"] != hashes["models/rppg_fp32.onnx"])

        // --force recomputes every step; the same inputs give the same bytes (deterministic).
        var forced = Self.options(work, checkpoint: checkpoint)
        forced.force = true
        let (recomputed, _, _) = try Pipeline.run(forced) { _ in }
        #expect(recomputed.steps.allSatisfy { !$0.skipped })
        let afterForce = try Self.hashes(work)
        for path in ["data/ubfc_processed.pt", "calibration_data.pt", "models/rppg_fp32.onnx", "models/rppg_int8_qdq.onnx"] {
            #expect(afterForce[path] == afterChange[path], "\(path) differs after --force")
        }
    }

    /// FP32 export: BatchNorm folded, input "input" [1,3,128,36,36], output "output".
    static func checkFP32(_ url: URL) throws {
        let g = try ONNXReader.read(url)
        #expect(!g.nodes.contains { $0.op.name == "BatchNormalization" })
        #expect(g.inputs.map(\.name) == ["input"])
        #expect(g.inputs.first?.shape == [1, 3, 128, 36, 36])
        #expect(g.inputs.first?.dtype == .float32)
        #expect(g.outputs.map(\.name) == ["output"])
        #expect(g.nodes.contains { $0.op.name == "Conv" })
        #expect(g.initializers.values.allSatisfy { $0.dtype == .float32 || $0.dtype == .int64 })
    }

    /// INT8 QDQ: what onnxruntime.quantization.quantize_static writes.
    static func checkInt8(_ url: URL) throws {
        let g = try ONNXReader.read(url)
        #expect(g.inputs.map(\.name) == ["input"] && g.outputs.map(\.name) == ["output"])
        #expect(!g.nodes.contains { $0.op.name == "BatchNormalization" })
        let producers = Dictionary(g.nodes.flatMap { n in n.outputs.map { ($0, n) } }, uniquingKeysWith: { a, _ in a })

        // Every activation QuantizeLinear feeds DequantizeLinear(s) with the same scale and zero point.
        let quantizers = g.nodes.filter { $0.op.name == "QuantizeLinear" }
        #expect(!quantizers.isEmpty)
        for q in quantizers {
            let users = g.consumers(of: q.outputs[0])
            #expect(!users.isEmpty && users.allSatisfy { $0.op.name == "DequantizeLinear" && Array($0.inputs.dropFirst()) == Array(q.inputs.dropFirst()) },
                    "\(q.name) is not paired with a DequantizeLinear")
            if q.inputs.count > 2 { #expect(g.initializers[q.inputs[2]]?.dtype == .int8, "\(q.name): activations not int8") }
        }

        // Weights: int8 `_quantized` initializers, per-channel (one scale per output channel, axis 0).
        var convs = 0
        for node in g.nodes where node.op.name == "Conv" {
            convs += 1
            let wdq = try #require(producers[node.inputs[1]], "\(node.name): weight has no DequantizeLinear")
            #expect(wdq.op == .dequantizeLinear(axis: 0))
            let w = try #require(g.initializers[wdq.inputs[0]])
            #expect(wdq.inputs[0].hasSuffix("_quantized"))
            #expect(w.dtype == .int8)
            let scale = try #require(g.initializers[wdq.inputs[1]])
            #expect(scale.dtype == .float32 && scale.elementCount == w.shape[0], "\(node.name): \(scale.elementCount) scales for \(w.shape[0]) channels")
            if wdq.inputs.count > 2 {
                let zp = try #require(g.initializers[wdq.inputs[2]])
                #expect(zp.dtype == .int8 && zp.doubleValues().allSatisfy { $0 == 0 })   // symmetric
            }
            #expect(producers[node.inputs[0]]?.op.name == "DequantizeLinear", "\(node.name): input not quantized")
            if node.inputs.count > 2 {
                let bdq = try #require(producers[node.inputs[2]])
                #expect(bdq.op.name == "DequantizeLinear")
                #expect(g.initializers[bdq.inputs[0]]?.dtype == .int32, "\(node.name): bias not int32")
                #expect(bdq.inputs[0].hasSuffix("_quantized"))
            }
        }
        #expect(convs >= 3)
        // Every int8 weight initializer is a `_quantized` one.
        for (name, t) in g.initializers where t.dtype == .int8 && t.shape.count > 1 {
            #expect(name.hasSuffix("_quantized"), "\(name)")
        }
    }

    @Test func missingDataSaysHowToPreprocess() throws {
        let dir = try Self.temporaryDirectory("nodata")
        defer { try? FileManager.default.removeItem(at: dir) }
        var o = Self.options(dir.appendingPathComponent("work"), checkpoint: dir.appendingPathComponent("tiny.pth"))
        o.data = dir.appendingPathComponent("data/ubfc_processed.pt")
        do {
            _ = try Pipeline.run(o) { _ in }
            Issue.record("a missing --data file must fail")
        } catch {
            #expect(error is UserFacingError)
            let message = "\(error)"
            #expect(message.contains("ubfc_processed.pt") && message.contains("not found"))
            #expect(message.contains("rppg preprocess"))
        }
    }

    @Test func missingCheckpointSaysHowToTrain() throws {
        let dir = try Self.temporaryDirectory("nockpt")
        defer { try? FileManager.default.removeItem(at: dir) }
        let o = Self.options(dir.appendingPathComponent("work"), checkpoint: dir.appendingPathComponent("checkpoints/best_model.pth"))
        do {
            _ = try Pipeline.run(o) { _ in }
            Issue.record("a missing --checkpoint must fail")
        } catch {
            #expect(error is UserFacingError)
            let message = "\(error)"
            #expect(message.contains("best_model.pth") && message.contains("not found"))
            #expect(message.contains("rppg train"))
        }
        // Nothing was generated before the check failed.
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("work/raw").path))
    }
}
