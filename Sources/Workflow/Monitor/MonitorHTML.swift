import Foundation

extension MonitorSummary {
    /// A self-contained HTML report (opens offline, verify's style): the speed verdict, the
    /// heart rate over time beside the ground truth when there is one, MAE, and the face boxes.
    public var html: String {
        let modelColor = "#c51b7d", truthColor = "#444", speedColor = "#4575b4"
        var series = [SVGChart.Series(name: "rPPG (\(engine.rawValue))", color: modelColor,
                                      points: readings.map { (x: $0.time, y: $0.heartRate) })]
        let truthPoints = readings.compactMap { r in r.truth.map { (x: r.time, y: $0) } }
        if !truthPoints.isEmpty { series.append(.init(name: "ground truth", color: truthColor, points: truthPoints)) }
        let wide = SVGChart(width: 920)
        let hrChart = wide.render(title: "Heart rate over time (window of \(windowFrames) frames, every \(hop))",
                                  xLabel: "time at the end of the window (s)", yLabel: "heart rate (BPM)",
                                  series: series, lines: readings.count > 1)
        let speedChart = wide.render(title: "Frames per second achieved (real time: \(String(format: "%.0f", fps)))",
                                     xLabel: "time (s)", yLabel: "frames/s",
                                     series: [.init(name: "achieved", color: speedColor,
                                                    points: readings.map { (x: $0.time, y: $0.framesPerSecond) })],
                                     lines: readings.count > 1,
                                     guides: readings.isEmpty ? [] : [(readings[0].time, fps, readings[readings.count - 1].time, fps, true)])
        let f1 = { (v: Double) in String(format: "%.1f", v) }
        let verdictColor = realTime ? "#1b7837" : "#b2182b"
        let verdict = realTime
            ? "REAL TIME: \(f1(framesPerSecond)) frames/s ≥ \(f1(fps)) (\(String(format: "%.1f", framesPerSecond / fps))×)"
            : "NOT REAL TIME: \(f1(framesPerSecond)) frames/s < \(f1(fps))"
        let truthLine = groundTruth.map { file in
            "Ground truth: \(escape(file)); MAE \(mae.map(f1) ?? "undefined") BPM over \(truthPoints.count) readings."
        } ?? "No ground truth beside the source (UBFC's ground_truth.txt or gtdump.xmp, PURE's <ii-jj>.json)."
        let rows = readings.map { r in
            "<tr><td>\(r.index)</td><td>\(String(format: "%.2f", r.time))</td><td>\(f1(r.heartRate))</td><td>\(r.truth.map(f1) ?? "—")</td>"
                + "<td>\(f1(r.framesPerSecond))</td><td>\(r.faceBox.map(String.init).joined(separator: ", "))\(r.fallback ? " (whole frame)" : "")</td></tr>"
        }.joined()
        let detectionList = detections.map { d in
            "<li>frame \(d.frame): \(d.fallback ? "no face, whole frame" : "face \(d.detectedBox.map { "\($0)" } ?? "")"), crop \(d.cropBox)</li>"
        }.joined()
        let warningList = warnings.isEmpty ? "" : "<h2>Warnings</h2><ul>" + warnings.map { "<li>\(escape($0))</li>" }.joined() + "</ul>"
        return """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>rppg monitor: heart rate over time</title>
        <style>body{font-family:sans-serif;margin:24px;color:#222;max-width:980px}table{border-collapse:collapse}
        td,th{border:1px solid #ccc;padding:4px 10px;text-align:right}th{background:#f3f3f3}
        .verdict{font-size:20px;font-weight:bold;color:\(verdictColor)}.charts svg{margin:6px;border:1px solid #eee}</style>
        </head><body>
        <h1>Heart rate monitor</h1>
        <p class="verdict">\(verdict)</p>
        <p>Source: \(escape(source)) (\(frameWidth)×\(frameHeight), \(frames) frames at \(f1(fps)) fps).<br>
        Model: \(escape(model)), engine \(engine.rawValue), \(threads) thread\(threads == 1 ? "" : "s"); \(readings.count) readings, one every \(hop) frames.<br>
        \(truthLine)</p>
        \(warningList)
        <div class="charts">\(hrChart)</div>
        <div class="charts">\(speedChart)</div>
        <h2>Face detections</h2><ul>\(detectionList)</ul>
        <h2>Readings</h2>
        <table><tr><th>#</th><th>time (s)</th><th>HR (BPM)</th><th>truth (BPM)</th><th>frames/s</th><th>crop box</th></tr>\(rows)</table>
        </body></html>
        """
    }
}
