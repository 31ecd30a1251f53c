import Foundation

extension VerifyReport {
    /// A number for the terminal: "undefined" rather than "nan", so that nothing passes silently.
    static func format(_ value: Double?, _ spec: String = "%.2f") -> String {
        guard let value, value.isFinite else { return "undefined" }
        return String(format: spec, value)
    }

    /// The summary `rppg verify` prints.
    public var text: String {
        var lines: [String] = []
        lines.append("FP32 vs INT8 on \(videos.count) video\(videos.count == 1 ? "" : "s"), \(clips) clip\(clips == 1 ? "" : "s") (subjects \(subjects.map(String.init).joined(separator: ",")), engine \(engine))")
        if let split { lines.append("  split: \(split) — \(splitReason ?? "")") }
        if let hrSource {
            let what = ["sensor": "the dataset's ground-truth HR line", "label": "the HR of the label waveform",
                        "mixed": "the sensor HR line where present, else the label waveform's HR"][hrSource] ?? hrSource
            lines.append("  ground truth (hr_source \(hrSource)): \(what)" + (hrSourceNote.map { " — \($0)" } ?? ""))
        }
        let header = "            MAE (BPM)        RMSE (BPM)       MAPE (%)   Pearson r      n"
        if let c = perClip {
            lines.append("Per clip (FFT peak 0.75–2.5 Hz, \(c.spectrumPoints)-point spectrum):")
            lines.append(header + "   SNR (dB)")
            for (name, m, snr) in [("FP32", c.fp32, c.fp32SNR), ("INT8", c.int8, c.int8SNR)] {
                lines.append(Self.row(name, m.mae, m.maeStandardError, m.rmse, m.rmseStandardError, m.mape, m.pearson, m.count)
                             + "   " + Self.format(snr))
            }
            lines.append("  MAE increase per clip: \(Self.format(c.maeIncrease, "%+.2f")) BPM; INT8-vs-FP32 waveform Pearson r \(Self.format(c.int8FP32WaveformPearson, "%.4f"))")
        }
        lines.append("Per video (whole-video FFT):")
        lines.append(header)
        for (name, s) in [("FP32", fp32), ("INT8", int8)] {
            lines.append(Self.row(name, s.mae, s.maeStandardError, s.rmse, s.rmseStandardError, s.mape, s.pearson, videos.count))
        }
        lines.append("  MAE increase: \(Self.format(maeIncrease, "%+.2f")) BPM (\(Self.format(maeIncreasePercent, "%+.1f")) %); threshold \(String(format: "%.2f", threshold)) BPM")
        lines.append("  FP32 and INT8 heart rates differ by \(Self.format(fp32Int8HRDifference)) BPM on average")
        if let methods, !methods.isEmpty { lines += methodsText(methods) }
        for w in warnings ?? [] { lines.append("  warning: \(w)") }
        for n in notes ?? [] { lines.append("  note: \(n)") }
        lines.append("  Verdict: \(verdict)" + (verdictBasis.map { " (\($0))" } ?? ""))
        if !acceptable {
            lines.append("  Remedies:")
            for r in remedies { lines.append("    - \(r)") }
        }
        return lines.joined(separator: "\n")
    }

    static func row(_ name: String, _ mae: Double, _ maeSE: Double, _ rmse: Double, _ rmseSE: Double, _ mape: Double,
                    _ pearson: Double?, _ n: Int) -> String {
        func pad(_ s: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - s.count)) + s }
        return "  \(name)   \(pad(format(mae), 6)) ± \(pad(format(maeSE), 5))   \(pad(format(rmse), 6)) ± \(pad(format(rmseSE), 5))   "
            + "\(pad(format(mape), 7))    \(pad(format(pearson, "%.3f"), 9))  \(pad(String(n), 5))"
    }

    func methodsText(_ methods: [MethodScore]) -> [String] {
        var lines = ["Calibration methods (per clip\(calibration.map { ", calibration \($0)" } ?? "")):",
                     "  method          MAE (BPM)  RMSE (BPM)  ΔMAE (BPM)  video MAE  SNR (dB)  waveform r"]
        for m in methods {
            func pad(_ s: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - s.count)) + s }
            lines.append("  " + m.method.padding(toLength: 14, withPad: " ", startingAt: 0)
                         + pad(Self.format(m.clip.mae), 11) + pad(Self.format(m.clip.rmse), 12)
                         + pad(Self.format(m.maeIncrease, "%+.2f"), 12) + pad(Self.format(m.videoMAE), 11)
                         + pad(Self.format(m.snr), 10) + pad(Self.format(m.waveformPearson, "%.4f"), 12))
        }
        return lines
    }
}
