import Foundation
import NN
import ONNX
import Quantization
import RPPG
import TensorCore
import Testing
import TorchIO
import Training
import Workflow

/// `rppg qat` on a small heavy-tailed dataset: what was trained is what the int8 engine runs
/// (within 1 LSB of the output); the checkpoint keeps the input's keys and folds back to the
/// trained weights; bad inputs fail cleanly. (QAT recovering MinMax's loss is measured on
/// realistic motion data by Tools/qat_motion.sh: six training clips cannot show it.)
@Suite(.serialized) struct QATTests {
    /// `subjects` subjects × 1 clip of `frames` frames, 36×36, DiffNormalized-like: every pixel
    /// follows the subject's pulse plus noise, and in a few frames a motion edge (a band of pixels)
    /// jumps tens of standard deviations out, as `rppg synth --difficulty motion` frames do.
    static func motionDataset(at url: URL, subjects: Int = 8, frames t: Int = 64) throws {
        var state: UInt64 = 2026
        func uniform() -> Float {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(state >> 40) / Float(1 << 24)
        }
        var clips = [Float](repeating: 0, count: subjects * 3 * t * 1296)
        var labels = [Float](repeating: 0, count: subjects * t)
        let hr = (0..<subjects).map { 60 + 60 * Float($0) / Float(max(1, subjects - 1)) }
        for i in 0..<subjects {
            let f = hr[i] / 60, phase = 2 * Float.pi * uniform()
            // Frames with a motion edge: rows r0..<r0+4 take a large value of random sign.
            var edge = [Int: (row: Int, value: Float)]()
            for _ in 0..<8 {
                let k = Int(uniform() * Float(t)), sign: Float = uniform() < 0.5 ? -1 : 1
                edge[k] = (Int(uniform() * 32), sign * (60 + 140 * uniform()))
            }
            for k in 0..<t {
                let time = Float(k) / 30
                let v = cosf(2 * .pi * f * time + phase)
                labels[i * t + k] = v
                for c in 0..<3 {
                    let base = ((i * 3 + c) * t + k) * 1296
                    for p in 0..<1296 {
                        var x = 0.25 * v + 0.5 * (uniform() - 0.5)
                        if let e = edge[k], (p / 36) >= e.row, (p / 36) < e.row + 4 { x += e.value }
                        clips[base + p] = x
                    }
                }
            }
        }
        let data = ProcessedDataset(
            clips: Tensor(shape: [subjects, 3, t, 36, 36], scalars: clips), labels: Tensor(shape: [subjects, t], scalars: labels),
            hr: Tensor(shape: [subjects], scalars: hr),
            subject: Tensor(shape: [subjects], scalars: (0..<subjects).map { Int64($0 + 1) }),
            chunk: Tensor(shape: [subjects], scalars: [Int64](repeating: 0, count: subjects)), fps: 30,
            inputType: "diffnormalized", size: 36)
        try data.save(to: url)
    }

    /// A float TinyPulse trained on the motion data, then QAT with MinMax ranges (fixed, or the
    /// start of learned scales).
    static func trainAndQAT(_ dir: URL, qatEpochs: Int, learnScales: Bool = false) throws -> QATResult {
        let data = dir.appendingPathComponent("data.pt")
        try motionDataset(at: data)
        var t = TrainOptions(data: data, model: "tinypulse", output: dir.appendingPathComponent("ck"))
        t.epochs = 12
        t.batchSize = 2
        t.learningRate = 1e-2
        t.threads = 2
        t.patience = 100
        _ = try TrainStep.run(t)
        var o = QATOptions(checkpoint: dir.appendingPathComponent("ck/best_model.pth"), data: data,
                           output: dir.appendingPathComponent("qat"))
        o.quantization = QuantizationOptions(method: .minMax, threads: 2)
        o.epochs = qatEpochs
        o.batchSize = 2
        o.threads = 2
        o.learnScales = learnScales
        return try QATStep.run(o)
    }

    /// The fake-quant forward (training graph, evaluation mode) against the int8 engine on the
    /// written QDQ file, in LSBs of the output scale, over every clip of `data`.
    static func engineAgreement(_ r: QATResult, data: URL) throws -> (worst: Float, equal: Int, withinOne: Int, total: Int) {
        let qdq = try ONNXReader.read(r.model)
        let engine = try Int8Executor(graph: qdq, threads: 1)
        #expect(!engine.planDescription.contains("float fallback"), "\(engine.planDescription)")
        let fake = try TrainableGraph(graph: try r.qat.trainingGraph(weights: r.trained))
        let outputDQ = try #require(qdq.producer(of: qdq.outputs[0].name))
        let lsb = try #require(qdq.initializers[outputDQ.inputs[1]]?.floatValues().first)
        let clips = try ProcessedDataset.load(data).clips.toFloat32()
        var worst: Float = 0, equal = 0, withinOne = 0, total = 0
        for i in 0..<clips.shape[0] {
            let x = clips.batch(i..<(i + 1))
            let a = try engine.run(x).floatValues()
            let b = try #require(try fake.forward([qdq.inputs[0].name: x], training: false)[qdq.outputs[0].name]).floatValues()
            #expect(a.count == b.count)
            for (u, v) in zip(a, b) {
                worst = max(worst, abs(u - v) / lsb)
                if u == v { equal += 1 }
                if abs(u - v) <= 1.001 * lsb { withinOne += 1 }
                total += 1
            }
        }
        print("fake-quant vs int8 engine: \(equal)/\(total) outputs equal, \(withinOne)/\(total) within 1 LSB, max \(worst) LSB (output scale \(lsb))")
        return (worst, equal, withinOne, total)
    }

    @Test func fakeQuantForwardIsTheInt8EngineAndTheCheckpointFoldsBack() throws {
        let dir = try PipelineEndToEndTests.temporaryDirectory("qat")
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try Self.trainAndQAT(dir, qatEpochs: 2)
        print(r.text())
        #expect(r.epochs.count == 2 && (1...2).contains(r.bestEpoch))
        // The motion edges set a coarse MinMax input scale: PTQ is clearly worse than FP32 here.
        #expect(r.ptq.loss > r.fp32.loss + 0.05, "FP32 \(r.fp32.loss), PTQ \(r.ptq.loss)")

        #expect(r.scales.isEmpty)
        // What was trained is what runs: the fake-quant forward (training graph, evaluation mode)
        // against the int8 engine on the written QDQ file, within 1 LSB of the output scale.
        let (worst, _, withinOne, total) = try Self.engineAgreement(r, data: dir.appendingPathComponent("data.pt"))
        #expect(total > 0)
        // Both round every tensor the same way (pooling ties included, see FakeQuantGradients.snapTie);
        // the float sums of a conv may still put a value on the other side of a rounding edge.
        #expect(withinOne == total, "\(withinOne)/\(total) outputs within 1 LSB")
        #expect(worst <= 1.001, "fake-quant forward \(worst) LSB from the int8 engine")

        // The checkpoint: the input's keys in order; exporting it folds back to the trained weights.
        let input = try Checkpoint.load(dir.appendingPathComponent("ck/best_model.pth"))
        let written = try Checkpoint.load(r.checkpoint)
        #expect(written.stateDict.keys == input.stateDict.keys)
        let export = dir.appendingPathComponent("qat_fp32.onnx")
        _ = try ExportModel.run(ExportOptions(checkpoint: r.checkpoint, output: export, frames: 64))
        let refolded = try ONNXReader.read(export)
        for (name, w) in r.weights {
            let back = try #require(refolded.initializers[name], "\(name) missing from the re-exported model")
            let scale = w.floatValues().map { abs($0) }.max() ?? 1
            #expect(zip(back.floatValues(), w.floatValues()).allSatisfy { abs($0 - $1) <= 1e-5 * scale }, "\(name)")
        }
    }

    /// `--learn-scales` (LSQ): the activation scales move from their MinMax start, the written QDQ
    /// file holds exactly the trained scales (biases quantized with them), and the int8 engine
    /// still runs what was trained, within 1 LSB.
    @Test func learnedScalesAreWrittenAndTheEngineRunsWhatWasTrained() throws {
        let dir = try PipelineEndToEndTests.temporaryDirectory("qat-lsq")
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try Self.trainAndQAT(dir, qatEpochs: 2, learnScales: true)
        print(r.text())
        // Every activation with parameters of its own is trained; pooled tensors follow their input.
        #expect(!r.scales.isEmpty && Set(r.scales.keys) == Set(r.qat.activationScales.keys))
        let moved = r.scales.filter { $0.value.floatValues() != r.qat.qdq.initializers[$0.key]!.floatValues() }
        #expect(!moved.isEmpty, "no activation scale moved")
        let qdq = try ONNXReader.read(r.model)
        for (name, s) in r.scales {
            #expect(qdq.initializers[name]?.floatValues() == s.floatValues(), "\(name) is not the trained scale in the written model")
        }
        let (worst, _, withinOne, total) = try Self.engineAgreement(r, data: dir.appendingPathComponent("data.pt"))
        #expect(total > 0 && withinOne == total, "\(withinOne)/\(total) outputs within 1 LSB")
        #expect(worst <= 1.001, "fake-quant forward \(worst) LSB from the int8 engine")
        // The checkpoint holds the model's keys only; the scales live in the QDQ file.
        let written = try Checkpoint.load(r.checkpoint)
        #expect(Set(written.stateDict.keys).isDisjoint(with: r.scales.keys))
    }

    @Test func badInputsFailCleanlyWithoutOutput() throws {
        let dir = try PipelineEndToEndTests.temporaryDirectory("qat-bad")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("data.pt")
        try Self.motionDataset(at: data, subjects: 3, frames: 32)
        let good = dir.appendingPathComponent("good.pth")
        try PipelineEndToEndTests.makeCheckpoint(at: good)
        let out = dir.appendingPathComponent("out")
        func attempt(_ checkpoint: URL, _ data: URL) -> String {
            var o = QATOptions(checkpoint: checkpoint, data: data, output: out)
            o.epochs = 1
            o.threads = 1
            do {
                _ = try QATStep.run(o)
                return ""
            } catch let e as UserFacingError {
                return e.description
            } catch {
                return "not user-facing: \(error)"
            }
        }
        let missing = attempt(dir.appendingPathComponent("nope.pth"), data)
        #expect(missing.contains("nope.pth") && missing.contains("rppg train"), "\(missing)")
        let noData = attempt(good, dir.appendingPathComponent("none.pt"))
        #expect(noData.contains("none.pt") && noData.contains("rppg preprocess"), "\(noData)")

        // Wrong model keys: a state dict no zoo model fits.
        let wrong = dir.appendingPathComponent("wrong.pth")
        try TorchFile.save(StateDict([("fc.weight", Tensor(shape: [2, 3], scalars: [Float](repeating: 0.1, count: 6)))]).pickleValue, to: wrong)
        let keys = attempt(wrong, data)
        #expect(keys.contains("fc.weight") || keys.contains("tinypulse"), "\(keys)")

        // NaN weights.
        var entries = try Checkpoint.load(good).stateDict.entries
        entries[0].tensor = Tensor(shape: entries[0].tensor.shape, scalars: [Float](repeating: .nan, count: entries[0].tensor.elementCount))
        let nan = dir.appendingPathComponent("nan.pth")
        try TorchFile.save(StateDict(entries).pickleValue, to: nan)
        let nanMessage = attempt(nan, data)
        #expect(nanMessage.contains("nan.pth") && nanMessage.contains("NaN"), "\(nanMessage)")
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent(QATStep.modelName).path))
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent(QATStep.checkpointName).path))
    }
}
