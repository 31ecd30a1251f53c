/// Bin counts with float32 edges, binned exactly as `numpy.histogram` bins float32 data:
/// bin `i` holds `edges[i] <= x < edges[i+1]`, the last bin also holds its right edge.
public struct Histogram: Hashable, Sendable {
    public var counts: [Int64]
    public var edges: [Float]

    public init(counts: [Int64], edges: [Float]) {
        precondition(edges.count == counts.count + 1, "a histogram needs one more edge than bins")
        self.counts = counts
        self.edges = edges
    }

    /// Empty histogram with `bins` equal bins over `[first, last]`.
    public init(bins: Int, first: Float, last: Float) {
        let e = Histogram.uniformEdges(bins: bins, first: first, last: last)
        self.init(counts: Array(repeating: 0, count: bins), edges: e)
    }

    /// `np.linspace(first, last, bins + 1, dtype=float32)` for float32 end points: numpy does
    /// this arithmetic in float32 (`step = (last - first) / bins`, `i·step + first`, last edge
    /// exact). An empty range is widened by ±0.5 first, as `np.histogram` does.
    public static func uniformEdges(bins: Int, first: Float, last: Float) -> [Float] {
        var a = first, b = last
        if a == b { a -= 0.5; b += 0.5 }
        let step = (b - a) / Float(bins)
        var e = [Float](repeating: 0, count: bins + 1)
        for i in 0...bins {
            let scaled = Float(i) * step
            e[i] = scaled + a
        }
        e[bins] = b
        return e
    }

    /// Bin index of `x` under numpy's rule, or nil when `x` lies outside the edges.
    @inlinable public func binIndex(_ x: Float) -> Int? {
        let n = counts.count
        guard let first = edges.first, let last = edges.last, x >= first, x <= last else { return nil }
        // Equal-width guess, then fix by comparing with the stored edges (numpy does the same).
        var i = Int(Double(x - first) / Double(last - first) * Double(n))
        if i >= n { i = n - 1 }
        if i < 0 { i = 0 }
        while i > 0 && x < edges[i] { i -= 1 }
        while i < n - 1 && x >= edges[i + 1] { i += 1 }
        return i
    }

    /// Adds `values` (or their absolute values); values outside the edges are dropped, as numpy does.
    public mutating func add(_ values: UnsafeBufferPointer<Float>, absolute: Bool) {
        for v in values where !v.isNaN {
            if let i = binIndex(absolute ? abs(v) : v) { counts[i] += 1 }
        }
    }

    /// Adds values binned against float64 `edges` (the one batch in which ORT's re-binning
    /// leaves float64 edges), storing the edges back as float32 as ORT does afterwards.
    mutating func add(_ values: UnsafeBufferPointer<Float>, absolute: Bool, float64Edges e: [Double]) {
        let n = e.count - 1
        var counts = [Int64](repeating: 0, count: n)
        for i in 0..<min(n, self.counts.count) { counts[i] = self.counts[i] }
        for raw in values where !raw.isNaN {
            let x = Double(absolute ? abs(raw) : raw)
            guard x >= e[0], x <= e[n] else { continue }
            var i = Int((x - e[0]) / (e[n] - e[0]) * Double(n))
            i = Swift.min(Swift.max(i, 0), n - 1)
            while i > 0 && x < e[i] { i -= 1 }
            while i < n - 1 && x >= e[i + 1] { i += 1 }
            counts[i] += 1
        }
        self.counts = counts
        self.edges = e.map { Float($0) }
    }

    /// Total count.
    public var total: Int64 { counts.reduce(0, +) }
}
