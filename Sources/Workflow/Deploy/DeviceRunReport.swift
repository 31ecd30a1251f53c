import Foundation
import Quantization

/// What `rppg deploy-run` measured on the emulated Cortex-M55, beside `deploy-check`'s estimates.
public struct DeviceRunReport: Codable, Sendable {
    public struct Layer: Codable, Sendable {
        public var label: String
        public var kind: String
        public var macs: Int
        /// Mean over the clips (they agree to a tick: counting is deterministic).
        public var instructions: Double
        /// Instructions per multiply-accumulate (convolutions).
        public var instructionsPerMAC: Double?
    }

    public var model: String
    public var data: String
    public var target = "Cortex-M55 (QEMU mps3-an547, Embedded Swift int8 runtime)"
    public var clips: Int
    public var elementsCompared: Int
    public var elementsEqual: Int
    /// Largest |device − host| in int8 steps (0 when bit-exact).
    public var maxDifferenceLSB: Int
    public var bitExact: Bool { elementsEqual == elementsCompared }

    /// ELF bytes stored in flash (code, constants incl. the plan, initial data), and the parts.
    public var flashBytes: Int
    public var codeBytes: Int
    public var planBytes: Int
    /// RAM used: the arena, static data and the stack's measured high-water mark.
    public var ramBytes: Int
    public var arenaBytes: Int
    public var staticDataBytes: Int
    public var stackBytesUsed: Int
    /// deploy-check's estimates for the same model.
    public var estimatedFlashBytes: Int
    public var estimatedRAMBytes: Int

    public var instructionsPerTick: Double
    public var instructionsPerClip: Double
    public var macsPerClip: Int
    public var instructionsPerMAC: Double
    /// instructions / 800 MHz, assuming one instruction per cycle: an estimate, not a measurement.
    public var estimatedMillisecondsAt800MHz: Double
    public var layers: [Layer]
    /// Wall-clock seconds of the QEMU run (host-dependent; not a device figure).
    public var qemuSeconds: Double
    public var bundle: String?

    /// The firmware's `rppg_report.txt` (see Firmware/cortex-m55/README.md).
    struct Measurements {
        var instructionsPerTick: Double = 0
        var clipTicks: [Int: Double] = [:]
        var opTicks: [Int: [Int: Double]] = [:]
        var stackBytesUsed = 0

        init(_ text: String) throws {
            for line in text.split(separator: "\n") {
                let f = line.split(separator: " ").map(String.init)
                switch f.first {
                case "instructions_per_tick" where f.count >= 2: instructionsPerTick = Double(f[1]) ?? 0
                case "clip" where f.count >= 4: clipTicks[Int(f[1]) ?? -1] = Double(f[3])
                case "op" where f.count >= 5: opTicks[Int(f[1]) ?? -1, default: [:]][Int(f[2]) ?? -1] = Double(f[4])
                case "stack_bytes_used" where f.count >= 2: stackBytesUsed = Int(f[1]) ?? 0
                default: break
                }
            }
            guard instructionsPerTick > 0, !clipTicks.isEmpty else {
                throw DeviceRun.RunError(message: "rppg_report.txt lacks the instruction calibration or clip counts:\n" + text)
            }
        }
    }

    init(model: String, data: String, plan: DevicePlan, expected: [Int8], device: [Int8], clips: Int, measurements m: Measurements,
         elf: ELFSections, estimate: DeployReport, qemuSeconds: Double, bundle: String?) {
        self.model = model
        self.data = data
        self.clips = clips
        elementsCompared = expected.count
        elementsEqual = zip(expected, device).filter { $0 == $1 }.count
        maxDifferenceLSB = zip(expected, device).map { abs(Int($0) - Int($1)) }.max() ?? 0
        flashBytes = elf.flashBytes
        codeBytes = elf.codeBytes
        planBytes = plan.planBytes
        arenaBytes = elf.bytes(of: [".arena"])
        staticDataBytes = elf.bytes(of: [".data", ".bss"])
        stackBytesUsed = m.stackBytesUsed
        ramBytes = arenaBytes + staticDataBytes + stackBytesUsed
        estimatedFlashBytes = estimate.flashBytes
        estimatedRAMBytes = estimate.ramBytes
        instructionsPerTick = m.instructionsPerTick
        let ticks = m.clipTicks.values.reduce(0, +) / Double(max(m.clipTicks.count, 1))
        instructionsPerClip = ticks * m.instructionsPerTick
        macsPerClip = plan.macs
        instructionsPerMAC = plan.macs > 0 ? instructionsPerClip / Double(plan.macs) : 0
        estimatedMillisecondsAt800MHz = instructionsPerClip / 800e6 * 1000
        layers = plan.ops.enumerated().map { i, op in
            let samples = m.opTicks.values.compactMap { $0[i] }
            let instructions = samples.reduce(0, +) / Double(max(samples.count, 1)) * m.instructionsPerTick
            return Layer(label: op.label, kind: op.kind, macs: op.macs, instructions: instructions,
                         instructionsPerMAC: op.macs > 0 ? instructions / Double(op.macs) : nil)
        }
        self.qemuSeconds = qemuSeconds
        self.bundle = bundle
    }

    public var text: String {
        func kib(_ b: Int) -> String { String(format: "%.1f KiB", Double(b) / 1024) }
        func mega(_ v: Double) -> String { String(format: "%.1f M", v / 1e6) }
        var lines = ["deploy-run: \(model) on \(target)",
                     "  outputs equal to the host int8 engine: \(elementsEqual)/\(elementsCompared) elements over \(clips) clip(s)"
                         + (bitExact ? " (100 %, bit-exact)" : String(format: " (%.2f %%, max difference %d LSB)", 100 * Double(elementsEqual) / Double(max(elementsCompared, 1)), maxDifferenceLSB)),
                     "  flash (ELF code + constants + .data init): \(kib(flashBytes)) measured (code \(kib(codeBytes)), plan \(kib(planBytes))); deploy-check estimate \(kib(estimatedFlashBytes)) of weights",
                     "  RAM: \(kib(ramBytes)) measured (arena \(kib(arenaBytes)), static \(kib(staticDataBytes)), stack high-water \(stackBytesUsed) B); deploy-check estimate \(kib(estimatedRAMBytes)) of activations",
                     "  instructions per clip: \(mega(instructionsPerClip)) for \(mega(Double(macsPerClip))) MACs ("
                         + String(format: "%.2f", instructionsPerMAC) + " per MAC), QEMU -icount, "
                         + String(format: "%.1f", instructionsPerTick) + " instructions per SysTick tick",
                     "  time at 800 MHz: " + String(format: "%.0f ms", estimatedMillisecondsAt800MHz)
                         + " per clip (ESTIMATE: one instruction per cycle; memory stalls and the NPU are not modelled)",
                     "  per layer:"]
        for l in layers {
            lines.append("    \(l.label) [\(l.kind)]: \(mega(l.instructions)) instructions"
                         + (l.instructionsPerMAC.map { String(format: ", %.2f per MAC", $0) } ?? ""))
        }
        lines.append(String(format: "  (QEMU took %.1f s of wall-clock time)", qemuSeconds))
        if let bundle { lines.append("  bundle and run files: \(bundle)") }
        return lines.joined(separator: "\n")
    }
}
