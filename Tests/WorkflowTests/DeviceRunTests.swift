import Foundation
import NN
import ONNX
import Quantization
import TensorCore
import Testing
@testable import Workflow

/// The firmware path of issue 14: deploy-build's bundle, and deploy-run on QEMU's Cortex-M55
/// (bit-exact with the host int8 engine). CI sets RPPG_REQUIRE_QEMU=1 so that a missing
/// emulator fails there instead of skipping.
@Suite("deploy-build and deploy-run (Cortex-M55 firmware)", .serialized)
struct DeviceRunTests {
    /// A small pipeline run (synthetic data, the bundled TinyPulse): its QDQ model and clips.
    static func pipelineOutputs(_ dir: URL, device: Bool) throws -> (model: URL, data: URL) {
        let work = dir.appendingPathComponent("work")
        var o = PipelineEndToEndTests.options(work, checkpoint: dir)
        o.checkpoint = nil
        o.model = .tinyPulse  // Models/tinypulse_default.pth (the default): the layer list and MACs below are TinyPulse's
        o.deviceClips = device ? 2 : 0
        let (summary, _, _) = try Pipeline.run(o) { _ in }
        if o.deviceClips > 0 {
            // The pipeline's own firmware step: it ran and left its report.
            #expect(summary.steps.map(\.name).last == "deploy-run")
            let saved = try JSONOutput.decode(DeviceRunReport.self, from: Data(contentsOf: work.appendingPathComponent("reports/deploy_run.json")))
            #expect(saved.bitExact && saved.clips == 2)
        }
        return (work.appendingPathComponent("models/rppg_int8_qdq.onnx"), work.appendingPathComponent("data/ubfc_processed.pt"))
    }

    static var qemuAvailable: Bool {
        if (try? DeviceRun.qemu()) != nil { return true }
        if ProcessInfo.processInfo.environment["RPPG_REQUIRE_QEMU"] == "1" {
            Issue.record("RPPG_REQUIRE_QEMU=1 but qemu-system-arm is not installed (Tools/bootstrap.sh installs it)")
        }
        return false
    }

    @Test func firmwareOnQEMUIsBitExactWithTheHostEngine() throws {
        guard Self.qemuAvailable else { print("skipped: qemu-system-arm is not installed"); return }
        let dir = try PipelineEndToEndTests.temporaryDirectory("device-run")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (model, data) = try Self.pipelineOutputs(dir, device: true)
        var o = DeviceRun.Options(model: model, data: data)
        o.clips = 2
        o.output = dir.appendingPathComponent("bundle")
        let r = try DeviceRun.run(o)
        #expect(r.clips == 2)
        #expect(r.elementsCompared == 2 * 128)
        #expect(r.bitExact, "device vs host: \(r.elementsEqual)/\(r.elementsCompared), max \(r.maxDifferenceLSB) LSB")
        // Measured figures are real and consistent.
        #expect(r.layers.map(\.kind) == ["conv", "average pool", "conv", "average pool", "conv", "mean", "conv"])
        #expect(r.layers.allSatisfy { $0.instructions > 0 })
        let layerSum = r.layers.reduce(0) { $0 + $1.instructions }
        #expect(abs(layerSum - r.instructionsPerClip) < 0.01 * r.instructionsPerClip)
        #expect(r.macsPerClip == 386_191_360)
        #expect(r.instructionsPerMAC > 0.5 && r.instructionsPerMAC < 10, "\(r.instructionsPerMAC)")
        #expect(r.arenaBytes >= r.layers.count && r.arenaBytes < FirmwareBundle.arenaLimitBytes)
        #expect(r.stackBytesUsed > 0 && r.stackBytesUsed < 65536)
        #expect(r.flashBytes > r.planBytes && r.planBytes > r.estimatedFlashBytes)
        // The generated header agrees with the plan.
        let header = try String(contentsOf: dir.appendingPathComponent("bundle/model/rppg_model.h"), encoding: .utf8)
        #expect(header.contains("#define RPPG_INPUT_BYTES \(3 * 128 * 36 * 36)"))
        #expect(header.contains("#define RPPG_OUTPUT_BYTES 128"))
    }

    @Test func tinyPulsePlanOnTheHostIsBitExactWithTheHostEngine() throws {
        let dir = try PipelineEndToEndTests.temporaryDirectory("device-host")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (model, data) = try Self.pipelineOutputs(dir, device: false)
        let (executor, plan) = try FirmwareBundle.plan(model: model)
        let clips = try CalibrationData.loadClips(data)
        let per = plan.inputBytes, values = clips.floatValues()
        var arena: [UInt8] = []
        for i in 0..<2 {
            let clip = Tensor(shape: plan.inputShape, scalars: Array(values[(i * per)..<((i + 1) * per)]))
            let host = try #require(try executor.runQuantized([executor.inputNames[0]: clip]).values.first)
            let device = try plan.run(plan.quantize(clip), arena: &arena)
            #expect(device == host.values.scalars(as: Int8.self), "clip \(i)")
            #expect(Set(device).count > 4, "the pulse should not be flat")
        }
    }

    @Test func aModelThatDoesNotFitNamesWhatItNeeds() throws {
        let dir = try PipelineEndToEndTests.temporaryDirectory("device-fit")
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = dir.appendingPathComponent("big.onnx")
        try ONNXWriter.write(Self.requantizeGraph(elements: 3 << 20), to: model)
        #expect { try FirmwareBundle.plan(model: model) } throws: { e in
            "\(e)".contains("big.onnx") && "\(e)".contains("needs 6144 KiB RAM") && "\(e)".contains("the target has 4096 KiB")
        }
    }

    @Test func aModelTheRuntimeCannotRunIsRefusedAndNothingIsWritten() throws {
        let dir = try PipelineEndToEndTests.temporaryDirectory("device-refuse")
        defer { try? FileManager.default.removeItem(at: dir) }
        // A QDQ graph whose ELU runs as a float fallback (see Int8ExecutorTests.tinyGraph).
        var g = Graph()
        g.inputs = [ValueInfo(name: "x", shape: [1, 4])]
        g.outputs = [ValueInfo(name: "y", shape: [1, 4])]
        g.initializers["s"] = Tensor(shape: [], scalars: [Float(0.05)])
        g.initializers["z"] = Tensor(shape: [], scalars: [Int8(0)])
        g.nodes = [Node(name: "q", op: .quantizeLinear(axis: 1), inputs: ["x", "s", "z"], outputs: ["xq"]),
                   Node(name: "dq", op: .dequantizeLinear(axis: 1), inputs: ["xq", "s", "z"], outputs: ["xf"]),
                   Node(name: "add", op: .add, inputs: ["xf", "xf"], outputs: ["y"])]
        let model = dir.appendingPathComponent("add.onnx")
        try ONNXWriter.write(g, to: model)
        let out = dir.appendingPathComponent("bundle")
        #expect {
            try FirmwareBundle.build(model: model, output: out)
        } throws: { e in
            let m = "\(e)"
            return m.contains("add.onnx") && m.contains("Add add") && m.contains("float fallback")
        }
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    @Test func anOccupiedOutputDirectoryIsNotReplaced() throws {
        let dir = try PipelineEndToEndTests.temporaryDirectory("device-occupied")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("mine")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        try Data("keep".utf8).write(to: out.appendingPathComponent("notes.txt"))
        #expect(throws: FirmwareBundle.BundleError.self) {
            try FirmwareBundle.write(try Self.anyPlan(), modelName: "m.onnx", root: try FirmwareBundle.sourceRoot(), to: out)
        }
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("notes.txt").path))
    }

    @Test func elfSectionsOfAFileThatIsNotELFAreAClearError() throws {
        let dir = try PipelineEndToEndTests.temporaryDirectory("device-elf")
        defer { try? FileManager.default.removeItem(at: dir) }
        let f = dir.appendingPathComponent("rppg.elf")
        try Data(repeating: 0x41, count: 100).write(to: f)
        #expect { try ELFSections(contentsOf: f) } throws: { "\($0)".contains("rppg.elf") && "\($0)".contains("not a 32-bit") }
    }

    @Test func aMissingEmulatorOrACrashedFirmwareIsExplained() {
        #expect { try DeviceRun.qemu(searchPath: "/nonexistent") } throws: { "\($0)".contains("Tools/bootstrap.sh") }
        let crash = DeviceRun.failure(status: 3, output: "rppg firmware: HardFault at pc=0x00000100", report: "status error fault", timeout: 60)
        #expect(crash.contains("crashed") && crash.contains("HardFault at pc=0x00000100") && crash.contains("status error fault"))
        #expect(DeviceRun.failure(status: 124, output: "", report: "", timeout: 60).contains("did not finish within 60 s"))
        #expect(DeviceRun.failure(status: 5, output: "", report: "", timeout: 60).contains("allocate"))
    }

    /// A tiny plan: one int8 → int8 requantize.
    static func anyPlan() throws -> DevicePlan { try DevicePlan(try Int8Executor(graph: requantizeGraph(elements: 4), threads: 1)) }

    /// Q → DQ → Q (another scale) → DQ over `elements` values.
    static func requantizeGraph(elements n: Int) -> Graph {
        var g = Graph()
        g.inputs = [ValueInfo(name: "x", shape: [1, n])]
        g.outputs = [ValueInfo(name: "y", shape: [1, n])]
        g.initializers["s"] = Tensor(shape: [], scalars: [Float(0.05)])
        g.initializers["s2"] = Tensor(shape: [], scalars: [Float(0.1)])
        g.initializers["z"] = Tensor(shape: [], scalars: [Int8(0)])
        g.nodes = [Node(name: "q", op: .quantizeLinear(axis: 1), inputs: ["x", "s", "z"], outputs: ["xq"]),
                   Node(name: "dq", op: .dequantizeLinear(axis: 1), inputs: ["xq", "s", "z"], outputs: ["xf"]),
                   Node(name: "q2", op: .quantizeLinear(axis: 1), inputs: ["xf", "s2", "z"], outputs: ["yq"]),
                   Node(name: "dq2", op: .dequantizeLinear(axis: 1), inputs: ["yq", "s2", "z"], outputs: ["y"])]
        return g
    }
}
