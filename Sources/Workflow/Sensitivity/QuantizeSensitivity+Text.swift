import Foundation

extension QuantizeSensitivity.Report {
    /// The ranking and, after `--auto-exclude`, its cost, for the terminal.
    public var text: String {
        var lines = ["sensitivity: each layer quantized alone (the rest FP32) on \(clips.count) calibration clip(s); "
                     + "HR error = mean |HR − HR of FP32| per clip (\(Self.number(fps)) fps, 2048-point FFT), worst first",
                     Self.pad("rank", 6) + Self.pad("node", 40) + Self.pad("op", 20) + Self.pad("HR error", 10)
                     + Self.pad("max", 8) + Self.pad("SQNR dB", 9) + "weights"]
        for (k, l) in layers.enumerated() {
            lines.append(Self.pad("\(k + 1)", 6) + Self.pad(l.node, 40) + Self.pad(l.op, 20)
                         + Self.pad(Self.number(l.score.heartRateErrorBPM), 10) + Self.pad(Self.number(l.score.maxHeartRateErrorBPM), 8)
                         + Self.pad(Self.number(l.score.outputSQNRdB), 9) + Self.bytes(l.floatWeightBytes / 4) + " int8")
        }
        lines.append("all layers quantized: HR error \(Self.number(allQuantized.heartRateErrorBPM)) BPM "
                     + "(max \(Self.number(allQuantized.maxHeartRateErrorBPM))), output SQNR \(Self.number(allQuantized.outputSQNRdB)) dB")
        if let e = exclusion {
            let how = e.fallback == .float ? "left in float" : "given int16 activations (weights int8)"
            lines.append("--auto-exclude \(e.excluded.count): \(how) \(e.excluded.joined(separator: ", ")) "
                         + "(greedy: each step keeps out the layer that helps the whole model most)")
            for (node, step) in zip(e.excluded, e.steps) {
                lines.append("  without \(node): HR error \(Self.number(step.heartRateErrorBPM)) BPM, output SQNR \(Self.number(step.outputSQNRdB)) dB")
            }
            lines.append("  HR error \(Self.number(e.before.heartRateErrorBPM)) → \(Self.number(e.after.heartRateErrorBPM)) BPM, "
                         + "output SQNR \(Self.number(e.before.outputSQNRdB)) → \(Self.number(e.after.outputSQNRdB)) dB")
            lines.append("  cost: model \(Self.bytes(e.modelBytesBefore)) → \(Self.bytes(e.modelBytesAfter)); int8 engine "
                         + String(format: "%.2f → %.2f ms/clip", e.int8MillisecondsBefore, e.int8MillisecondsAfter)
                         + " (1 thread, this CPU); float-fallback nodes \(e.floatNodesBefore) → \(e.floatNodesAfter)")
        }
        return lines.joined(separator: "\n")
    }

    static func number(_ x: Double) -> String {
        x.isNaN ? "undefined" : x.isInfinite ? (x > 0 ? "inf" : "-inf") : String(format: "%.2f", x)
    }

    static func bytes(_ n: Int) -> String {
        n >= 1 << 20 ? String(format: "%.2f MiB", Double(n) / 1_048_576)
            : n >= 1024 ? String(format: "%.1f KiB", Double(n) / 1024) : "\(n) B"
    }

    static func pad(_ s: String, _ n: Int) -> String {
        s.count >= n ? String(s.prefix(n - 1)) + " " : s + String(repeating: " ", count: n - s.count)
    }
}
