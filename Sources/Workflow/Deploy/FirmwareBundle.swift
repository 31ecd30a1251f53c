import Foundation
import NN
import ONNX
import Quantization
import TensorCore

/// `rppg deploy-build`: a firmware bundle for a Cortex-M55 from a QDQ model. The model becomes a
/// device plan (``DevicePlan``) written as C source (`model/model_data.c`, constants in flash) with
/// a header of its sizes and quantization parameters (`model/rppg_model.h`); beside it go the
/// Embedded Swift runtime sources (`runtime/`, Int8Runtime and its C shim), the QEMU board
/// firmware (`firmware/`: startup, linker script, semihosting I/O) and its build script.
/// See docs/firmware.md for the layout, the memory map and the move to a real STM32N6.
public enum FirmwareBundle {
    public static let targets = ["cortex-m55"]
    /// RAM the firmware's linker script gives the arena: the 4 MiB SSE-300 SRAM of QEMU's
    /// mps3-an547 (an STM32N6 has about 4.2 MB of AXISRAM in all).
    public static let arenaLimitBytes = 4 << 20

    public struct BundleError: UserFacingError {
        public let message: String
        public var description: String { message }
    }

    /// What was written.
    public struct Summary: Codable, Sendable {
        public var directory: String
        public var model: String
        public var target: String
        public var ops: Int
        public var planBytes: Int
        public var arenaBytes: Int
        public var arenaBytesWithoutReuse: Int
        public var inputShape: [Int]
        public var outputShape: [Int]
        public var macs: Int
    }

    /// The source tree holding `Firmware/` and `Sources/Int8Runtime`: `RPPG_SOURCE_ROOT`, else the
    /// checkout this binary was built from.
    public static func sourceRoot() throws -> URL {
        let fm = FileManager.default
        let candidates = [ProcessInfo.processInfo.environment["RPPG_SOURCE_ROOT"].map { URL(fileURLWithPath: $0) },
                          URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                              .deletingLastPathComponent().deletingLastPathComponent()].compactMap { $0 }
        for root in candidates where fm.fileExists(atPath: root.appendingPathComponent("Firmware/cortex-m55/build.sh").path)
            && fm.fileExists(atPath: root.appendingPathComponent("Sources/Int8Runtime").path) {
            return root
        }
        throw BundleError(message: "the firmware sources (Firmware/cortex-m55, Sources/Int8Runtime) were not found at "
                          + candidates.map(\.path).joined(separator: " or ")
                          + "; set RPPG_SOURCE_ROOT to a checkout of rppg-swift.")
    }

    /// Compiles `model` for the device (refusing ops the runtime lacks and arenas that do not fit).
    public static func plan(model: URL) throws -> (Int8Executor, DevicePlan) {
        var graph = try ONNXReader.read(model)
        try ShapeInference.run(&graph)
        let executor = try Int8Executor(graph: graph, threads: 1)
        let plan: DevicePlan
        do { plan = try DevicePlan(executor) } catch let e as Int8ExecutorError {
            throw BundleError(message: "\(model.path): \(e.message)")
        }
        guard plan.arenaBytes <= arenaLimitBytes else {
            throw BundleError(message: "\(model.path): needs \(kib(plan.arenaBytes)) KiB RAM for its tensors, the target has "
                              + "\(kib(arenaLimitBytes)) KiB (the SRAM the firmware gives the arena); use a smaller input "
                              + "(fewer frames or pixels) or a smaller model.")
        }
        return (executor, plan)
    }

    /// Writes the bundle for `model` to `output` (replacing an earlier bundle there, atomically).
    @discardableResult
    public static func build(model: URL, target: String = "cortex-m55", output: URL) throws -> (Int8Executor, DevicePlan, Summary) {
        guard targets.contains(target) else {
            throw BundleError(message: "unknown target '\(target)'; known targets: \(targets.joined(separator: ", ")).")
        }
        let root = try sourceRoot()
        let (executor, plan) = try Self.plan(model: model)
        try write(plan, modelName: model.lastPathComponent, root: root, to: output)
        let summary = Summary(directory: output.path, model: model.path, target: target, ops: plan.ops.count,
                              planBytes: plan.planBytes, arenaBytes: plan.arenaBytes, arenaBytesWithoutReuse: plan.unsharedBytes,
                              inputShape: plan.inputShape, outputShape: plan.outputShape, macs: plan.macs)
        return (executor, plan, summary)
    }

    static func write(_ plan: DevicePlan, modelName: String, root: URL, to output: URL) throws {
        let fm = FileManager.default
        if fm.fileExists(atPath: output.path) {
            let marker = output.appendingPathComponent("model/rppg_model.h").path
            let contents = (try? fm.contentsOfDirectory(atPath: output.path)) ?? []
            guard contents.isEmpty || fm.fileExists(atPath: marker) else {
                throw BundleError(message: "\(output.path) exists and is not a firmware bundle; choose another --output.")
            }
        }
        let staging = output.deletingLastPathComponent()
            .appendingPathComponent(".\(output.lastPathComponent).partial-\(ProcessInfo.processInfo.processIdentifier)")
        try? fm.removeItem(at: staging)
        do {
            try fm.createDirectory(at: staging.appendingPathComponent("model"), withIntermediateDirectories: true)
            try fm.createDirectory(at: staging.appendingPathComponent("runtime"), withIntermediateDirectories: true)
            let firmware = root.appendingPathComponent("Firmware/cortex-m55")
            try fm.copyItem(at: firmware, to: staging.appendingPathComponent("firmware"))
            try? fm.removeItem(at: staging.appendingPathComponent("firmware/stub"))
            let runtime = root.appendingPathComponent("Sources/Int8Runtime")
            for file in try fm.contentsOfDirectory(atPath: runtime.path).sorted() where file.hasSuffix(".swift") {
                try fm.copyItem(at: runtime.appendingPathComponent(file), to: staging.appendingPathComponent("runtime/\(file)"))
            }
            try fm.copyItem(at: root.appendingPathComponent("Sources/CInt8DSP/include"),
                            to: staging.appendingPathComponent("runtime/CInt8DSP"))
            try Data(FirmwareSource.header(plan, modelName: modelName).utf8)
                .write(to: staging.appendingPathComponent("model/rppg_model.h"))
            try Data(FirmwareSource.planData(plan).utf8).write(to: staging.appendingPathComponent("model/model_data.c"))
            if fm.fileExists(atPath: output.path) { try fm.removeItem(at: output) }
            try fm.moveItem(at: staging, to: output)
        } catch {
            try? fm.removeItem(at: staging)
            if error is BundleError { throw error }
            throw BundleError(message: "could not write the firmware bundle to \(output.path): \(error.localizedDescription)")
        }
    }

    static func kib(_ bytes: Int) -> Int { (bytes + 1023) / 1024 }
}
