import Foundation

extension VerifyReport {
    /// A self-contained HTML report (opens offline): verdict, metrics table, and inline SVG
    /// charts — predicted vs true HR, Bland–Altman, per-layer SQNR, one pulse waveform.
    public var html: String {
        let chart = SVGChart()
        let fpColor = "#1b7837", qColor = "#c51b7d", truthColor = "#444"
        let fpPoints = zip(truthHR, fp32.predictedHR).map { (x: $0, y: $1) }
        let qPoints = zip(truthHR, int8.predictedHR).map { (x: $0, y: $1) }
        let lo = (truthHR + fp32.predictedHR + int8.predictedHR).min() ?? 40
        let hi = (truthHR + fp32.predictedHR + int8.predictedHR).max() ?? 160
        let scatter = chart.render(
            title: "Predicted vs true heart rate", xLabel: "true HR (BPM)", yLabel: "predicted HR (BPM)",
            series: [.init(name: "FP32", color: fpColor, points: fpPoints, hollow: true), .init(name: "INT8", color: qColor, points: qPoints)],
            guides: [(lo, lo, hi, hi, true)])

        func blandAltman(_ predicted: [Double]) -> [(x: Double, y: Double)] {
            zip(predicted, truthHR).map { (x: ($0 + $1) / 2, y: $0 - $1) }
        }
        let ba = blandAltman(fp32.predictedHR) + blandAltman(int8.predictedHR)
        let diffs = ba.map(\.y)
        let mean = diffs.isEmpty ? 0 : diffs.reduce(0, +) / Double(diffs.count)
        let sd = diffs.count > 1 ? sqrt(diffs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(diffs.count - 1)) : 0
        let xs = ba.map(\.x)
        let (x0, x1) = (xs.min() ?? 0, xs.max() ?? 1)
        let bland = chart.render(
            title: "Bland–Altman (prediction − truth)", xLabel: "mean of prediction and truth (BPM)", yLabel: "difference (BPM)",
            series: [.init(name: "FP32", color: fpColor, points: blandAltman(fp32.predictedHR), hollow: true),
                     .init(name: "INT8", color: qColor, points: blandAltman(int8.predictedHR))],
            guides: [(x0, mean, x1, mean, false), (x0, mean + 1.96 * sd, x1, mean + 1.96 * sd, true),
                     (x0, mean - 1.96 * sd, x1, mean - 1.96 * sd, true)])

        let layers = chart.bars(title: "Per-layer quantization SQNR (higher is better)", unit: "dB",
                                rows: layerErrors.map { (label: $0.tensor, value: $0.sqnrDB) })

        var wave = "<p>(no waveform)</p>"
        if let w = waveform {
            func series(_ name: String, _ color: String, _ v: [Float]) -> SVGChart.Series {
                .init(name: name, color: color, points: v.enumerated().map { (x: Double($0.offset), y: Double($0.element)) })
            }
            wave = SVGChart(width: 920).render(
                title: "Pulse waveform, first clip of subject \(w.subject)", xLabel: "frame", yLabel: "model output / label",
                series: [series("ground truth", truthColor, w.truth), series("FP32", fpColor, w.fp32), series("INT8", qColor, w.int8)],
                lines: true)
        }

        let f = { (v: Double?) in Self.format(v) }
        func row(_ name: String, _ mae: Double, _ maeSE: Double, _ rmse: Double, _ rmseSE: Double, _ mape: Double,
                 _ pearson: Double?, _ n: Int, _ extra: String = "") -> String {
            "<tr><td>\(name)</td><td>\(f(mae)) ± \(f(maeSE))</td><td>\(f(rmse)) ± \(f(rmseSE))</td><td>\(f(mape))</td><td>\(Self.format(pearson, "%.3f"))</td><td>\(n)</td>\(extra)</tr>"
        }
        let head = "<tr><th>model</th><th>MAE (BPM)</th><th>RMSE (BPM)</th><th>MAPE (%)</th><th>Pearson r</th><th>n</th>"
        var clipTable = ""
        if let c = perClip {
            clipTable = "<h2>Per clip</h2><p>FFT peak in 0.75–2.5 Hz of a \(c.spectrumPoints)-point spectrum, against each clip's truth; "
                + "MAE increase \(Self.format(c.maeIncrease, "%+.2f")) BPM, INT8-vs-FP32 waveform Pearson r \(Self.format(c.int8FP32WaveformPearson, "%.4f")).</p>"
                + "<table>\(head)<th>SNR (dB)</th></tr>"
                + row("FP32", c.fp32.mae, c.fp32.maeStandardError, c.fp32.rmse, c.fp32.rmseStandardError, c.fp32.mape, c.fp32.pearson, c.fp32.count, "<td>\(f(c.fp32SNR))</td>")
                + row("INT8", c.int8.mae, c.int8.maeStandardError, c.int8.rmse, c.int8.rmseStandardError, c.int8.mape, c.int8.pearson, c.int8.count, "<td>\(f(c.int8SNR))</td>")
                + "</table><h2>Per video</h2>"
        }
        var methodTable = ""
        if let methods, !methods.isEmpty {
            methodTable = "<h2>Calibration methods (per clip)</h2><table><tr><th>method</th><th>MAE (BPM)</th><th>RMSE (BPM)</th><th>ΔMAE (BPM)</th><th>video MAE</th><th>SNR (dB)</th><th>waveform r</th></tr>"
                + methods.map { m in
                    "<tr><td>\(escape(m.method))</td><td>\(f(m.clip.mae))</td><td>\(f(m.clip.rmse))</td><td>\(Self.format(m.maeIncrease, "%+.2f"))</td><td>\(f(m.videoMAE))</td><td>\(f(m.snr))</td><td>\(Self.format(m.waveformPearson, "%.4f"))</td></tr>"
                }.joined() + "</table>"
        }
        let warningList = (warnings ?? []).isEmpty && (notes ?? []).isEmpty ? ""
            : "<h2>Warnings</h2><ul>" + ((warnings ?? []) + (notes ?? [])).map { "<li>\(escape($0))</li>" }.joined() + "</ul>"
        let provenance = "<p>Split: \(escape(split ?? "heldout")) — \(escape(splitReason ?? "")).<br>Ground truth (hr_source): \(escape(hrSource ?? "label"))\(hrSourceNote.map { " — " + escape($0) } ?? "").</p>"
        let verdictColor = acceptable ? "#1b7837" : "#b2182b"
        let remedyList = remedies.isEmpty ? "" : "<h2>Remedies</h2><ul>" + remedies.map { "<li>\(escape($0))</li>" }.joined() + "</ul>"
        return """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>rppg verify: FP32 vs INT8</title>
        <style>body{font-family:sans-serif;margin:24px;color:#222;max-width:980px}table{border-collapse:collapse}
        td,th{border:1px solid #ccc;padding:4px 10px;text-align:right}th{background:#f3f3f3}
        .verdict{font-size:20px;font-weight:bold;color:\(verdictColor)}.charts svg{margin:6px;border:1px solid #eee}</style>
        </head><body>
        <h1>FP32 vs INT8 verification</h1>
        <p class="verdict">\(verdict)</p>\(verdictBasis.map { "<p>\(escape($0))</p>" } ?? "")
        <p>MAE increase \(String(format: "%+.2f", maeIncrease)) BPM (\(String(format: "%+.1f", maeIncreasePercent)) %), threshold \(String(format: "%.2f", threshold)) BPM.
        \(videos.count) videos (subjects \(subjects.map(String.init).joined(separator: ", "))), \(clips) clips, INT8 engine: \(escape(engine)).</p>
        \(provenance)\(warningList)\(clipTable)
        <table>\(head)</tr>
        \(row("FP32", fp32.mae, fp32.maeStandardError, fp32.rmse, fp32.rmseStandardError, fp32.mape, fp32.pearson, videos.count))\(row("INT8", int8.mae, int8.maeStandardError, int8.rmse, int8.rmseStandardError, int8.mape, int8.pearson, videos.count))</table>
        \(methodTable)
        <p>Data: \(escape(data))<br>FP32 model: \(escape(fp32Model))<br>INT8 model: \(escape(int8Model))</p>
        \(remedyList)
        <div class="charts">\(scatter)\(bland)</div>
        <div class="charts">\(layers)</div>
        <div class="charts">\(wave)</div>
        </body></html>
        """
    }
}
