import TensorCore

/// Histogram calibration of one tensor, as ONNX Runtime's `HistogramCollector` builds it.
///
/// - `.absolute` (Percentile, ORT's default `symmetric=True`): a histogram of `|x|`; the first
///   batch sets `binCount` bins over `[min|x|, max|x|]`, a later batch whose `max|x|` passes the
///   last edge appends bins of the same width (`collect_absolute_value`).
/// - `.signed` (Entropy): a histogram of `x` over `[-t, t]`, `t = max|x|`; a later batch with a
///   larger `t` widens the range by whole bins on both sides (`merge_histogram`).
///
/// Memory is the histogram only: it does not grow with the number of batches.
///
/// `quantize_static` hands ORT's collector *all* batches at once, so its histogram is one
/// `np.histogram` over the concatenated data. ``init(kind:binCount:fixedRange:)`` reproduces that
/// exactly from a first MinMax pass (the calibrator runs two passes); ``observe(_:)`` on an
/// observer made with ``init(kind:binCount:)`` reproduces ORT's batch-by-batch merge instead.
public struct HistogramObserver: Hashable, Sendable {
    public enum Kind: Hashable, Sendable { case absolute, signed }

    public let kind: Kind
    public let binCount: Int
    public private(set) var histogram: Histogram?
    /// Min and max of the raw (signed) values seen.
    public private(set) var minValue: Float = 0
    public private(set) var maxValue: Float = 0
    private var threshold: Float = 0
    private var fixed = false

    /// A streaming observer whose first batch places the bins.
    public init(kind: Kind, binCount: Int) {
        precondition(binCount > 0, "a histogram needs at least one bin")
        self.kind = kind
        self.binCount = binCount
    }

    /// An observer whose bins are placed from the whole data set's min/max (the first of two
    /// passes), so that the result equals ORT's one-shot `np.histogram` over all batches.
    public init(kind: Kind, binCount: Int, fixedRange: MinMaxObserver) {
        self.init(kind: kind, binCount: binCount)
        let r = fixedRange.range
        minValue = r.min
        maxValue = r.max
        switch kind {
        case .absolute:
            let lo = fixedRange.hasData ? fixedRange.absMin : 0
            let hi = fixedRange.hasData ? fixedRange.absMax : 0
            histogram = Histogram(bins: binCount, first: lo, last: hi)
        case .signed:
            threshold = max(abs(r.min), abs(r.max))
            histogram = Histogram(bins: binCount, first: -threshold, last: threshold)
        }
        fixed = true
    }

    /// Folds one batch in.
    public mutating func observe(_ values: UnsafeBufferPointer<Float>) {
        if fixed {
            // Same data as the first pass: nothing can fall outside, but clamp rather than drop
            // should an executor differ in the last bit between the passes.
            addClamped(values)
            return
        }
        var mm = MinMaxObserver()
        mm.observe(values)
        let r = mm.range
        guard var h = histogram else {
            minValue = r.min
            maxValue = r.max
            switch kind {
            case .absolute:
                var fresh = Histogram(bins: binCount, first: mm.hasData ? mm.absMin : 0, last: mm.hasData ? mm.absMax : 0)
                fresh.add(values, absolute: true)
                histogram = fresh
            case .signed:
                threshold = max(abs(r.min), abs(r.max))
                var fresh = Histogram(bins: binCount, first: -threshold, last: threshold)
                fresh.add(values, absolute: false)
                histogram = fresh
            }
            return
        }
        minValue = min(minValue, r.min)
        maxValue = max(maxValue, r.max)
        switch kind {
        case .absolute:
            let amax = mm.hasData ? mm.absMax : 0
            if amax > h.edges[h.edges.count - 1] {
                // np.arange(last + width, amax + width, width) over float32 scalars yields float64
                // values (start + i·delta, delta = float32(start + width) − start); hstack with the
                // float32 edges makes this batch's edges float64.
                let width = h.edges[1] - h.edges[0]
                let start = h.edges[h.edges.count - 1] + width
                let stop = amax + width
                let n = Int(((Double(stop) - Double(start)) / Double(width)).rounded(.up))
                let delta = Double(start + width) - Double(start)
                var e = h.edges.map(Double.init)
                for k in 0..<max(0, n) { e.append(Double(start) + Double(k) * delta) }
                h.add(values, absolute: true, float64Edges: e)
                histogram = h
                return
            }
            h.add(values, absolute: true)
            histogram = h
        case .signed:
            let newThreshold = max(abs(r.min), abs(r.max))
            if newThreshold <= threshold {
                h.add(values, absolute: false)
                histogram = h
            } else if threshold == 0 {
                var fresh = Histogram(bins: h.counts.count, first: -newThreshold, last: newThreshold)
                fresh.add(values, absolute: false)
                for i in 0..<fresh.counts.count { fresh.counts[i] += h.counts[i] }
                histogram = fresh
                threshold = newThreshold
            } else {
                let oldBins = h.counts.count
                let stride = 2 * threshold / Float(oldBins)
                let half = Int(((newThreshold - threshold) / stride).rounded(.down)) + 1
                let bins = oldBins + 2 * half
                let widened = Float(half) * stride + threshold
                var fresh = Histogram(bins: bins, first: -widened, last: widened)
                fresh.add(values, absolute: false)
                for i in 0..<oldBins { fresh.counts[half + i] += h.counts[i] }
                histogram = fresh
                threshold = widened
            }
        }
    }

    /// Adds the counts of `other`, an observer made from the same `fixedRange` that saw other
    /// batches: bins are identical, so the sum equals one observer seeing all the batches.
    mutating func mergeFixed(_ other: HistogramObserver) {
        precondition(fixed && other.fixed && histogram?.edges == other.histogram?.edges, "merging histograms with different bins")
        guard var h = histogram, let o = other.histogram else { return }
        for i in h.counts.indices { h.counts[i] += o.counts[i] }
        histogram = h
    }

    /// Folds one tensor in.
    public mutating func observe(_ tensor: Tensor) {
        let t = tensor.toFloat32()
        t.withUnsafeBufferPointer(of: Float.self) { observe($0) }
    }

    private mutating func addClamped(_ values: UnsafeBufferPointer<Float>) {
        guard var h = histogram else { return }
        let n = h.counts.count
        for raw in values where !raw.isNaN {
            let v = kind == .absolute ? abs(raw) : raw
            if let i = h.binIndex(v) { h.counts[i] += 1 } else { h.counts[v < h.edges[0] ? 0 : n - 1] += 1 }
        }
        histogram = h
    }

    /// ORT's `compute_percentile` with `symmetric=True`: the lower edge of the bin where the
    /// cumulative fraction of `|x|` first reaches `percentile`/100, as `(-e, e)`, each side
    /// clipped to the observed min/max (so a ReLU output gets `(0, e)`).
    public func percentileRange(_ percentile: Double) -> (min: Float, max: Float) {
        guard let h = histogram else { return (0, 0) }
        let total = Double(h.total)
        var cdf = 0.0
        let target = percentile / 100
        var idx = h.counts.count
        for (i, c) in h.counts.enumerated() {
            cdf += Double(c) / total
            if cdf >= target { idx = i; break }
        }
        let e = h.edges[idx]
        var lo = -e, hi = e
        if lo < minValue { lo = minValue }
        if hi > maxValue { hi = maxValue }
        return (lo, hi)
    }

    /// ORT's `get_entropy_threshold` (TensorRT's KL method) over the signed histogram.
    public func entropyRange(quantizedBins: Int) -> (min: Float, max: Float) {
        guard let h = histogram else { return (0, 0) }
        var (lo, hi) = EntropyThreshold.search(counts: h.counts, edges: h.edges, quantizedBins: quantizedBins)
        if lo < minValue { lo = minValue }
        if hi > maxValue { hi = maxValue }
        return (lo, hi)
    }
}
