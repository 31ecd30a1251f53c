import Foundation
import Quantization
import TensorCore

/// `rppg deploy-run`: builds the firmware bundle of a QDQ model, runs it on QEMU's Cortex-M55
/// board (mps3-an547) on clips fed over semihosting, and compares every output element with the
/// host int8 engine. Instruction counts come from SysTick under `-icount shift=0` (deterministic:
/// QEMU advances virtual time by a fixed amount per instruction), calibrated by the firmware on
/// a loop of known length.
public enum DeviceRun {
    public struct Options: Sendable {
        public var model: URL
        public var data: URL
        public var clips: Int = 2
        /// Keep the bundle and the run's files here (default: a temporary directory, removed).
        public var output: URL?
        public var timeoutSeconds: Int = 900
        public init(model: URL, data: URL) { (self.model, self.data) = (model, data) }
    }

    public struct RunError: UserFacingError {
        public let message: String
        public init(message: String) { self.message = message }
        public var description: String { message }
    }

    /// Where `qemu-system-arm` is, or an error saying how to get it.
    public static func qemu(searchPath: String? = nil) throws -> String {
        let path = searchPath ?? ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/qemu-system-arm"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw RunError(message: "qemu-system-arm is not installed; install it with Tools/bootstrap.sh "
                       + "(or apt-get install -y qemu-system-arm) to run the firmware in emulation.")
    }

    public static func run(_ o: Options, log: (String) -> Void = { _ in }) throws -> DeviceRunReport {
        guard o.clips >= 1 else { throw RunError(message: "--clips must be at least 1 (got \(o.clips)).") }
        _ = try qemu()
        let all = try CalibrationData.loadClips(o.data)
        let fm = FileManager.default
        let temporary = o.output == nil
        let dir = o.output ?? fm.temporaryDirectory.appendingPathComponent("rppg-deploy-run-\(ProcessInfo.processInfo.processIdentifier)")
        defer { if temporary { try? fm.removeItem(at: dir) } }
        let (executor, plan, _) = try FirmwareBundle.build(model: o.model, output: dir)
        let clipShape = [1] + Array(all.shape[1...])
        guard clipShape == plan.inputShape else {
            throw RunError(message: "\(o.data.path): clips have shape \(Array(all.shape[1...])), the model takes \(Array(plan.inputShape[1...])); "
                           + "preprocess with the model's frames and size.")
        }
        let count = min(o.clips, all.shape[0])
        let clipValues = all.floatValues()
        let per = plan.inputBytes
        var inputs: [Int8] = []
        var expected: [Int8] = []
        for i in 0..<count {
            let clip = Tensor(shape: clipShape, scalars: Array(clipValues[(i * per)..<((i + 1) * per)]))
            guard let host = try executor.runQuantized([executor.inputNames[0]: clip]).values.first else {
                throw RunError(message: "\(o.model.path): the host engine returned no int8 output")
            }
            inputs += plan.quantize(clip)
            expected += host.values.scalars(as: Int8.self)
        }
        var file = Data("RPPGIN01".utf8)
        for v in [UInt32(count), UInt32(per)] { withUnsafeBytes(of: v.littleEndian) { file.append(contentsOf: $0) } }
        inputs.withUnsafeBytes { file.append(contentsOf: $0) }
        try file.write(to: dir.appendingPathComponent("rppg_in.bin"))

        log("building the firmware in \(dir.path)")
        let build = try shell(["bash", dir.appendingPathComponent("firmware/build.sh").path, dir.path], in: dir,
                              log: dir.appendingPathComponent("build.log"), timeout: 600)
        guard build.status == 0 else {
            throw RunError(message: "the firmware build failed (exit \(build.status)):\n" + tail(build.output))
        }
        log("running \(count) clip(s) on qemu-system-arm -machine mps3-an547")
        let started = Date()
        let run = try shell(["bash", dir.appendingPathComponent("firmware/run.sh").path, dir.path, String(o.timeoutSeconds)],
                            in: dir, log: dir.appendingPathComponent("qemu.log"), timeout: o.timeoutSeconds + 30)
        let seconds = Date().timeIntervalSince(started)
        let report = (try? String(contentsOf: dir.appendingPathComponent("rppg_report.txt"), encoding: .utf8)) ?? ""
        guard run.status == 0, report.contains("status ok") else {
            throw RunError(message: failure(status: run.status, output: run.output, report: report, timeout: o.timeoutSeconds))
        }
        let outputs = try Data(contentsOf: dir.appendingPathComponent("rppg_out.bin"))
        guard outputs.count == expected.count else {
            throw RunError(message: "the firmware wrote \(outputs.count) output bytes, expected \(expected.count)")
        }
        let device = outputs.map { Int8(bitPattern: $0) }
        let parsed = try DeviceRunReport.Measurements(report)
        let elf = try ELFSections(contentsOf: dir.appendingPathComponent("out/rppg.elf"))
        let estimate = try DeployCheck.run(model: o.model)
        return DeviceRunReport(model: o.model.path, data: o.data.path, plan: plan, expected: expected, device: device, clips: count,
                               measurements: parsed, elf: elf, estimate: estimate, qemuSeconds: seconds,
                               bundle: temporary ? nil : dir.path)
    }

    /// Explains a failed firmware run from its exit code (Firmware/cortex-m55/README.md) and output.
    static func failure(status: Int32, output: String, report: String, timeout: Int) -> String {
        let detail = tail(output + (report.isEmpty ? "" : "\nrppg_report.txt:\n" + report))
        switch status {
        case 124: return "the firmware did not finish within \(timeout) s under QEMU (raise --timeout):\n" + detail
        case 3: return "the firmware crashed on the emulated Cortex-M55:\n" + detail
        case 5: return "the firmware tried to allocate memory (the runtime must not):\n" + detail
        case 4: return "the device runtime refused the plan:\n" + detail
        case 1, 2: return "the firmware could not read its input or write its output:\n" + detail
        default: return "the firmware run failed (exit \(status)):\n" + detail
        }
    }

    static func tail(_ s: String, lines: Int = 20) -> String {
        s.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }

    /// Runs `arguments` in `dir`, output (stdout and stderr) to `log` and returned.
    static func shell(_ arguments: [String], in dir: URL, log: URL, timeout: Int) throws -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = arguments
        p.currentDirectoryURL = dir
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        p.standardOutput = handle
        p.standardError = handle
        try p.run()
        let deadline = Date().addingTimeInterval(TimeInterval(timeout))
        while p.isRunning && Date() < deadline { usleep(20_000) }
        if p.isRunning { p.terminate(); p.waitUntilExit() }
        try handle.close()
        let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        return (p.terminationStatus, output)
    }
}
