import Foundation

extension DeployReport {
    /// The human-readable report `rppg deploy-check` prints.
    public var text: String {
        var lines: [String] = []
        lines.append("Deployment check: \(model) → \(target.uppercased())")
        lines.append("  input \(inputShape)  output \(outputShape)")
        lines.append("  Flash (weights, biases, scales): \(Self.bytes(flashBytes))")
        lines.append("  RAM (activation arena, with buffer reuse): \(Self.bytes(ramBytes))  (\(Self.bytes(ramBytesWithoutReuse)) without reuse)")
        lines.append("  MACs per inference: \(Self.grouped(macs))")
        let npu = operators.filter { $0.placement == .npu }
        let cpu = operators.filter { $0.placement == .cpu }
        let share = 100 * npuMACShare
        lines.append(String(format: "  Operators: %d on the NPU, %d on the CPU, %d fused; %.1f %% of MACs on the NPU",
                            npu.count, cpu.count, operators.count - npu.count - cpu.count, share))
        lines.append("")
        lines.append(Self.pad("node", 34) + Self.pad("op", 20) + Self.pad("output", 22) + Self.pad("MACs", 14) + Self.pad("where", 7) + "why")
        for row in operators where row.placement != .fused || !["QuantizeLinear", "DequantizeLinear"].contains(row.op) {
            lines.append(Self.pad(row.node, 34) + Self.pad(row.op, 20) + Self.pad("\(row.outputShape)", 22)
                         + Self.pad(Self.grouped(row.macs), 14) + Self.pad(row.placement.rawValue, 7) + row.reason)
        }
        lines.append("")
        if deviations.isEmpty {
            lines.append("No deviation from the X-CUBE-AI QDQ scheme (int8 per-channel symmetric weights, int8 activations, static shapes, batch 1, BatchNorm folded).")
        } else {
            lines.append("Deviations from what X-CUBE-AI expects:")
            for d in deviations { lines.append("  [\(d.severity)] \(d.message)") }
        }
        lines.append("Placement is this tool's expectation from ST's published facts; ST Edge AI Core's own report is authoritative.")
        return lines.joined(separator: "\n")
    }

    static func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? String(s.prefix(width - 1)) + " " : s + String(repeating: " ", count: width - s.count)
    }

    static func grouped(_ n: Int) -> String {
        let digits = String(n)
        var out = ""
        for (i, c) in digits.reversed().enumerated() {
            if i > 0 && i % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return String(out.reversed())
    }

    static func bytes(_ n: Int) -> String {
        n >= 1 << 20 ? String(format: "%.2f MiB (%d bytes)", Double(n) / 1_048_576, n)
            : String(format: "%.1f KiB (%d bytes)", Double(n) / 1024, n)
    }
}
