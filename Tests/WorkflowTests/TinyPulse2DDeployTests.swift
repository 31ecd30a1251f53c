import Foundation
import NN
import ONNX
import Quantization
import RPPG
import TensorCore
import Testing
import TorchIO
import Training
@testable import Workflow

/// Issue 15 item 4: TinyPulse2D exported by `rppg export` and quantized by `rppg quantize` with its
/// default options runs on the STM32N6's NPU (deploy-check) and on the device runtime.
@Suite struct TinyPulse2DDeployTests {
    /// PyTorch-default weights (seed 0), exported at T = 16 (the placement rules do not depend on
    /// T), quantized with the CLI's default `--method auto` on 6 seeded clips.
    static func quantized() throws -> (dir: URL, fp32: URL, int8: URL, clips: Tensor) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rppg-t2d-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let shapes = ModelZoo.parameterShapes(.tinyPulse2D)
        let checkpoint = dir.appendingPathComponent("init.pth")
        try TorchFile.save(StateDict(ParameterInitialization.pytorchDefaults(shapes, seed: 0)).pickleValue, to: checkpoint)
        let fp32 = dir.appendingPathComponent("fp32.onnx"), int8 = dir.appendingPathComponent("int8.onnx")
        let export = try ExportModel.run(ExportOptions(checkpoint: checkpoint, output: fp32, frames: 16))
        #expect(export.architecture == "tinypulse2d")
        var rng = Training.SeededGenerator(seed: 7)
        let n = 6 * 3 * 16 * 36 * 36
        let clips = Tensor(shape: [6, 3, 16, 36, 36], scalars: (0..<n).map { _ in Float.random(in: -2...2, using: &rng) })
        var o = QuantizeModel.Options(model: fp32, calibration: dir.appendingPathComponent("unused.pt"), output: int8,
                                      quantization: QuantizationOptions(method: .auto, threads: 2))
        o.clips = clips
        _ = try QuantizeModel.run(o)
        return (dir, fp32, int8, clips)
    }

    @Test func deployCheckPlacesAllMACsOnTheNPUWithNoFloatOperator() throws {
        let q = try Self.quantized()
        defer { try? FileManager.default.removeItem(at: q.dir) }
        let report = try DeployCheck.run(model: q.int8)
        #expect(report.macs > 0)
        #expect(report.npuMACShare >= 0.95, "NPU share \(report.npuMACShare)")
        #expect(report.cpuOperators.isEmpty, "on the CPU: \(report.cpuOperators.map(\.node))")
        #expect(!report.deviations.contains { $0.message.contains("runs in float") }, "\(report.deviations.map(\.message))")
        #expect(report.deviations.isEmpty, "\(report.deviations.map(\.message))")
        // Every conv is 2-D and placed on the NPU; the only CPU rows are the model's Q (input) and DQ (output).
        let convs = report.operators.filter { $0.op == "Conv" }
        #expect(convs.count == 6 && convs.allSatisfy { $0.placement == .npu })
        let cpu = report.operators.filter { $0.placement == .cpu }
        #expect(Set(cpu.map(\.op)) == ["QuantizeLinear", "DequantizeLinear"] && cpu.count == 2)
        // The input is quantized before the first Transpose: the device receives int8.
        let graph = try ONNXReader.read(q.int8)
        let firstReader = try #require(graph.nodes.first { $0.inputs.contains("input") })
        #expect(firstReader.op.name == "QuantizeLinear")
    }

    /// The int8 engine's program (with its two Transposes as gathers) runs on the device runtime,
    /// bit-exact with the host.
    @Test func devicePlanMatchesTheHostEngine() throws {
        let q = try Self.quantized()
        defer { try? FileManager.default.removeItem(at: q.dir) }
        let engine = try Int8Executor(graph: try ONNXReader.read(q.int8), threads: 1)
        let plan = try DevicePlan(engine)
        #expect(plan.ops.filter { $0.kind == "gather" }.count == 2)
        var arena: [UInt8] = []
        for n in 0..<2 {
            let clip = q.clips.batch(n..<(n + 1))
            let host = try engine.run(clip)
            let device = try plan.run(plan.quantize(clip), arena: &arena)
            let dequantized = device.map { Float(Int32($0) - plan.outputZeroPoint) * plan.outputScale }
            #expect(host.floatValues() == dequantized)
        }
    }
}

/// `rppg models`.
@Suite struct ZooCatalogTests {
    @Test func listsEveryArchitectureWithItsCost() throws {
        let entries = try ZooCatalog.all()
        #expect(entries.map(\.name) == ZooArchitecture.allCases.map(\.rawValue))
        let byName = Dictionary(uniqueKeysWithValues: entries.map { ($0.name, $0) })
        let tiny = try #require(byName["tinypulse"]), tiny2d = try #require(byName["tinypulse2d"])
        // Parameter counts as PyTorch's sum(p.numel() for p in model.parameters()) (Tools/pytorch_zoo.py).
        #expect(tiny.parameters == 18_025)
        #expect(tiny2d.parameters == 16_873)
        #expect(tiny.inputShape == [1, 3, 128, 36, 36] && tiny2d.inputShape == [1, 3, 128, 36, 36])
        #expect(tiny2d.inputType == "DiffNormalized")
        // MACs by hand for T = 128: per frame 36²·8·(3·5²) + 18²·16·(8·3²) + 9²·32·(16·3²); then two
        // (5×1) time convs 32·(32·5) and the 1×1 head 32 per frame.
        let perFrame = 36 * 36 * 8 * 75 + 18 * 18 * 16 * 72 + 9 * 9 * 32 * 144 + 2 * 32 * 160 + 32
        #expect(tiny2d.macsPerClip == 128 * perFrame)
        #expect(tiny2d.macsPerClip < tiny.macsPerClip)
        // TinyPulse is 3-D throughout: none of it on the NPU; TinyPulse2D all of it.
        #expect(tiny.npuShare == 0 && tiny.cpuOperators > 0)
        #expect(tiny2d.npuShare >= 0.95 && tiny2d.cpuOperators == 0)
        for e in entries { #expect(e.parameters > 0 && e.parameters <= e.stateDictValues && e.macsPerClip > 0, "\(e.name)") }
    }

    /// TinyPulse stays the default (Models/MODEL_CARD.md says why); `--model tinypulse2d` finds its
    /// bundled checkpoint, and a model with none bundled finds nothing.
    @Test func bundledCheckpointsByModel() throws {
        #expect(BundledModel.defaultArchitecture == .tinyPulse)
        let t2d = try #require(BundledModel.url(.tinyPulse2D))
        #expect(t2d.lastPathComponent == "tinypulse2d_default.pth")
        #expect(try ModelZoo.detect(Checkpoint.load(t2d).stateDict).architecture == .tinyPulse2D)
        #expect(try ModelZoo.detect(Checkpoint.load(try #require(BundledModel.url)).stateDict).architecture == .tinyPulse)
        #expect(BundledModel.url(.physNet) == nil)
    }

    /// The built binary: `rppg models --json` prints the catalog; `rppg pipeline --model` with an
    /// unknown name fails with one clear line before touching the work directory.
    @Test func modelsCommandAndPipelineModelOption() throws {
        let cli = BadInputCLITests()
        let binary = try #require(BadInputCLITests.binary)
        let p = Process()
        p.executableURL = binary
        p.arguments = ["models", "--json"]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        #expect(try JSONOutput.decode([ZooCatalog.Entry].self, from: data) == ZooCatalog.all())
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("rppg-badmodel-\(UUID().uuidString)")
        let r = try cli.run(["pipeline", "--model", "nosuchnet", "--workdir", work.path])
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix("error: --model nosuchnet is not a zoo model; use one of tinypulse, "))
        #expect(!FileManager.default.fileExists(atPath: work.path))
    }

    @Test func textAndJSONCarryTheSameRows() throws {
        let entries = try ZooCatalog.all()
        let text = ZooCatalog.text(entries)
        for e in entries { #expect(text.contains(e.name) && text.contains(DeployReport.grouped(e.macsPerClip))) }
        let decoded = try JSONOutput.decode([ZooCatalog.Entry].self, from: JSONOutput.encode(entries))
        #expect(decoded == entries)
    }
}
