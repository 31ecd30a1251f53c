import Foundation

/// Minimal inline-SVG charts for the offline HTML report (no scripts, no external assets).
struct SVGChart {
    struct Series {
        var name: String
        var color: String
        var points: [(x: Double, y: Double)]
        /// Drawn as rings, so a series whose points coincide with another's stays visible.
        var hollow = false
    }

    var width = 460.0
    var height = 300.0
    var margin = (left: 52.0, right: 14.0, top: 26.0, bottom: 40.0)

    /// A scatter (or line, when `lines`) chart with axes, ticks, a legend and optional guide lines.
    func render(title: String, xLabel: String, yLabel: String, series: [Series], lines: Bool = false,
                guides: [(x0: Double, y0: Double, x1: Double, y1: Double, dashed: Bool)] = []) -> String {
        let all = series.flatMap(\.points) + guides.flatMap { [(x: $0.x0, y: $0.y0), (x: $0.x1, y: $0.y1)] }
        guard !all.isEmpty else { return "<p>(no data for \(escape(title)))</p>" }
        var (xMin, xMax) = padded(all.map(\.x))
        var (yMin, yMax) = padded(all.map(\.y))
        if xMin == xMax { xMin -= 1; xMax += 1 }
        if yMin == yMax { yMin -= 1; yMax += 1 }
        let plotW = width - margin.left - margin.right
        let plotH = height - margin.top - margin.bottom
        func px(_ x: Double) -> Double { margin.left + (x - xMin) / (xMax - xMin) * plotW }
        func py(_ y: Double) -> Double { margin.top + (1 - (y - yMin) / (yMax - yMin)) * plotH }

        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"\(escape(title))\">"
        svg += "<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>"
        svg += text(width / 2, 16, title, anchor: "middle", weight: "bold")
        svg += "<rect x=\"\(f(margin.left))\" y=\"\(f(margin.top))\" width=\"\(f(plotW))\" height=\"\(f(plotH))\" fill=\"none\" stroke=\"#999\"/>"
        for t in ticks(xMin, xMax) {
            svg += "<line x1=\"\(f(px(t)))\" y1=\"\(f(margin.top + plotH))\" x2=\"\(f(px(t)))\" y2=\"\(f(margin.top + plotH + 4))\" stroke=\"#666\"/>"
            svg += text(px(t), margin.top + plotH + 16, label(t), anchor: "middle")
        }
        for t in ticks(yMin, yMax) {
            svg += "<line x1=\"\(f(margin.left - 4))\" y1=\"\(f(py(t)))\" x2=\"\(f(margin.left + plotW))\" y2=\"\(f(py(t)))\" stroke=\"#eee\"/>"
            svg += text(margin.left - 6, py(t) + 4, label(t), anchor: "end")
        }
        svg += text(margin.left + plotW / 2, height - 6, xLabel, anchor: "middle")
        svg += "<text x=\"12\" y=\"\(f(margin.top + plotH / 2))\" font-size=\"11\" font-family=\"sans-serif\" text-anchor=\"middle\" transform=\"rotate(-90 12 \(f(margin.top + plotH / 2)))\">\(escape(yLabel))</text>"
        for g in guides {
            svg += "<line x1=\"\(f(px(g.x0)))\" y1=\"\(f(py(g.y0)))\" x2=\"\(f(px(g.x1)))\" y2=\"\(f(py(g.y1)))\" stroke=\"#888\"\(g.dashed ? " stroke-dasharray=\"4 3\"" : "")/>"
        }
        for s in series {
            if lines {
                let path = s.points.map { "\(f(px($0.x))),\(f(py($0.y)))" }.joined(separator: " ")
                svg += "<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(s.color)\" stroke-width=\"1.4\"/>"
            } else {
                for p in s.points {
                    svg += s.hollow
                        ? "<circle cx=\"\(f(px(p.x)))\" cy=\"\(f(py(p.y)))\" r=\"5.5\" fill=\"none\" stroke=\"\(s.color)\" stroke-width=\"1.6\"/>"
                        : "<circle cx=\"\(f(px(p.x)))\" cy=\"\(f(py(p.y)))\" r=\"3\" fill=\"\(s.color)\" fill-opacity=\"0.8\"/>"
                }
            }
        }
        let legendW = 16 + 7 * Double(series.map(\.name.count).max() ?? 0)
        svg += "<rect x=\"\(f(margin.left + 4))\" y=\"\(f(margin.top + 2))\" width=\"\(f(legendW))\" height=\"\(f(Double(series.count) * 14 + 4))\" fill=\"#fff\" fill-opacity=\"0.9\"/>"
        for (i, s) in series.enumerated() {
            let y = margin.top + 12 + Double(i) * 14
            svg += "<rect x=\"\(f(margin.left + 8))\" y=\"\(f(y - 8))\" width=\"10\" height=\"10\" fill=\"\(s.color)\"/>"
            svg += text(margin.left + 22, y + 1, s.name, anchor: "start")
        }
        return svg + "</svg>"
    }

    /// Horizontal bars (one per label), e.g. per-layer SQNR.
    func bars(title: String, unit: String, rows: [(label: String, value: Double)], color: String = "#4575b4") -> String {
        guard !rows.isEmpty else { return "<p>(no per-layer report: run rppg quantize --report)</p>" }
        let rowH = 18.0
        let labelW = 220.0
        let h = margin.top + Double(rows.count) * rowH + 20
        let maxV = max(rows.map(\.value).max() ?? 1, 1)
        let barW = width - labelW - 70
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(h))\" role=\"img\" aria-label=\"\(escape(title))\">"
        svg += "<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>" + text(width / 2, 16, title, anchor: "middle", weight: "bold")
        for (i, r) in rows.enumerated() {
            let y = margin.top + Double(i) * rowH
            let w = max(0, r.value) / maxV * barW
            svg += text(labelW - 6, y + 12, String(r.label.suffix(34)), anchor: "end")
            svg += "<rect x=\"\(f(labelW))\" y=\"\(f(y + 2))\" width=\"\(f(w))\" height=\"\(f(rowH - 5))\" fill=\"\(color)\"/>"
            svg += text(labelW + w + 4, y + 12, String(format: "%.1f %@", r.value, unit), anchor: "start")
        }
        return svg + "</svg>"
    }

    private func padded(_ v: [Double]) -> (Double, Double) {
        let lo = v.min()!, hi = v.max()!
        let pad = (hi - lo) * 0.06
        return (lo - pad, hi + pad)
    }

    private func ticks(_ lo: Double, _ hi: Double) -> [Double] {
        let raw = (hi - lo) / 5
        let mag = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * mag }.first { $0 >= raw } ?? raw
        var t = ceil(lo / step) * step
        var out: [Double] = []
        while t <= hi + 1e-9 && out.count < 12 {
            out.append(t)
            t += step
        }
        return out
    }

    private func label(_ v: Double) -> String {
        let v = abs(v) < 1e-9 ? 0 : v   // no "-0" or "5.6e-17" tick labels
        return abs(v) >= 100 || v == v.rounded() ? String(format: "%.0f", v) : String(format: "%.2g", v)
    }

    private func text(_ x: Double, _ y: Double, _ s: String, anchor: String, weight: String = "normal") -> String {
        "<text x=\"\(f(x))\" y=\"\(f(y))\" font-size=\"11\" font-family=\"sans-serif\" text-anchor=\"\(anchor)\" font-weight=\"\(weight)\">\(escape(s))</text>"
    }

    private func f(_ v: Double) -> String { String(format: "%.1f", v) }
}

/// Escapes text for HTML and SVG.
func escape(_ s: String) -> String {
    s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
}
