import Foundation

extension VerifyReport {
    /// The summary `rppg verify` prints.
    public var text: String {
        var lines: [String] = []
        lines.append("FP32 vs INT8 on \(videos.count) held-out videos (subjects \(subjects.map(String.init).joined(separator: ",")), \(clips) clips, engine \(engine))")
        lines.append("            MAE (BPM)        RMSE (BPM)       MAPE (%)   Pearson r")
        for (name, s) in [("FP32", fp32), ("INT8", int8)] {
            lines.append(String(format: "  %@   %6.2f ± %5.2f   %6.2f ± %5.2f   %7.2f    %7.3f",
                                name, s.mae, s.maeStandardError, s.rmse, s.rmseStandardError, s.mape, s.pearson))
        }
        lines.append(String(format: "  MAE increase: %+.2f BPM (%+.1f %%); threshold %.2f BPM", maeIncrease, maeIncreasePercent, threshold))
        lines.append(String(format: "  FP32 and INT8 heart rates differ by %.2f BPM on average", fp32Int8HRDifference))
        lines.append("  Verdict: \(verdict)")
        if !acceptable {
            lines.append("  Remedies:")
            for r in remedies { lines.append("    - \(r)") }
        }
        return lines.joined(separator: "\n")
    }
}
