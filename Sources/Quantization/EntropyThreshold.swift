import Foundation

/// The KL-divergence threshold search of TensorRT's entropy calibration, step by step as ONNX
/// Runtime's `HistogramCollector.get_entropy_threshold` does it (integer `q` expansion,
/// `smooth_distribution` with eps 1e-4, float32 KL).
///
/// With ORT's `quantize_static` defaults (128 bins, 128 quantized bins) there is exactly one
/// candidate, the full range, so Entropy equals MinMax there. A wider histogram
/// (``QuantizationOptions/entropyBins``, e.g. 2048) gives a real search.
/// Known difference: numpy sums float32 arrays pairwise; this sums in float64 then rounds, so a
/// KL value may differ in its last bits and a near-tie may pick a neighbouring threshold.
public enum EntropyThreshold {
    /// Returns the chosen `(lower, upper)` edges (not yet clipped to the observed min/max).
    public static func search(counts hist: [Int64], edges: [Float], quantizedBins nq: Int) -> (Float, Float) {
        let numBins = hist.count
        let zero = numBins / 2
        let halfQ = nq / 2
        guard zero >= halfQ, nq > 0 else { return (edges[0], edges[numBins]) }
        var best = Float.infinity
        var bestRange = (edges[0], edges[min(zero + halfQ + 1, numBins)])
        var bestSet = false
        // Prefix sums for the outlier counts.
        var prefix = [Int64](repeating: 0, count: numBins + 1)
        for i in 0..<numBins { prefix[i + 1] = prefix[i] + hist[i] }
        for i in halfQ...zero {
            let start = zero - i
            let end = min(zero + i + 1, numBins)
            let sliced = Array(hist[start..<end])
            var p = sliced
            p[0] += prefix[start]
            p[p.count - 1] += prefix[numBins] - prefix[end]
            let merged = sliced.count / nq
            var quantized = [Int64](repeating: 0, count: nq)
            for index in 0..<nq {
                var s: Int64 = 0
                for k in (index * merged)..<(index * merged + merged) { s += sliced[k] }
                quantized[index] = s
            }
            for k in (nq * merged)..<sliced.count { quantized[nq - 1] += sliced[k] }
            var q = [Int64](repeating: 0, count: p.count)
            for index in 0..<nq {
                let a = index * merged, b = a + merged
                var norm: Int64 = 0
                for k in a..<b where p[k] != 0 { norm += 1 }
                if norm != 0 {
                    // numpy assigns a float quotient into an int64 array: truncation.
                    let v = Int64(Double(quantized[index]) / Double(norm))
                    for k in a..<b { q[k] = v }
                }
            }
            let div: Float
            if let ps = smooth(p), let qs = smooth(q) {
                div = klDivergence(ps, qs)
            } else {
                div = .infinity
            }
            // np.argmin: the first minimum (inf never beats a finite value; all-inf picks index 0).
            if !bestSet || div < best {
                best = div
                bestRange = (edges[start], edges[end])
                bestSet = true
            }
        }
        return bestRange
    }

    /// `smooth_distribution(p, eps=1e-4)`: zeros become eps, the mass taken evenly from the
    /// non-zero bins; nil when every bin is zero or smoothing would make a bin non-positive.
    static func smooth(_ p: [Int64]) -> [Float]? {
        let zeros = p.reduce(0) { $0 + ($1 == 0 ? 1 : 0) }
        let nonzeros = p.count - zeros
        guard nonzeros > 0 else { return nil }
        let eps = 0.0001
        let eps1 = eps * Double(zeros) / Double(nonzeros)
        guard eps1 < 1 else { return nil }
        let addZero = Float(eps), addNonzero = Float(-eps1)
        var out = [Float](repeating: 0, count: p.count)
        for i in 0..<p.count {
            out[i] = Float(p[i]) + (p[i] == 0 ? addZero : addNonzero)
            if out[i] <= 0 { return nil }
        }
        return out
    }

    /// `entropy(p, q)`: both normalised, `Σ p·log(p/q)` in float32.
    static func klDivergence(_ p: [Float], _ q: [Float]) -> Float {
        let sp = Float(p.reduce(0.0) { $0 + Double($1) })
        let sq = Float(q.reduce(0.0) { $0 + Double($1) })
        var s = 0.0
        for i in 0..<p.count {
            let pk = 1.0 * p[i] / sp
            let qk = 1.0 * q[i] / sq
            if pk == 0 && qk >= 0 { continue }
            if !(pk > 0 && qk > 0) { return .infinity }
            s += Double(pk * Float(log(Double(pk / qk))))
        }
        return Float(s)
    }
}
