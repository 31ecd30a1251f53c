/// The sums behind the per-layer SQNR report.
///
/// Both sums accumulate squared differences the same way (four float64 partial sums by index
/// modulo 4, added in a fixed order), so the result does not depend on thread count, and a tensor
/// whose fake-quant value is exactly its own rounding (the graph input) gets bit-identical noise
/// from both.
enum ReportSums {
    /// Four partial sums, element `i` going to lane `i % 4` (independent chains: no add latency).
    struct Sum4 {
        var a0 = 0.0, a1 = 0.0, a2 = 0.0, a3 = 0.0
        var total: Double { (a0 + a1) + (a2 + a3) }

        /// Adds `(a[i] − b[i])²` (or `a[i]²` when `b` is nil) for `i` in `0..<n`; `n` must be a
        /// multiple of 4 except on the last call.
        @inline(__always) mutating func addSquares(_ a: UnsafePointer<Float>, minus b: UnsafePointer<Float>?, _ n: Int) {
            if let b {
                add(n) { let d = Double(a[$0]) - Double(b[$0]); return d * d }
            } else {
                add(n) { Double(a[$0]) * Double(a[$0]) }
            }
        }

        @inline(__always) private mutating func add(_ n: Int, _ term: (Int) -> Double) {
            var i = 0
            while i + 4 <= n {
                a0 += term(i); a1 += term(i + 1); a2 += term(i + 2); a3 += term(i + 3)
                i += 4
            }
            if i < n { a0 += term(i) }
            if i + 1 < n { a1 += term(i + 1) }
            if i + 2 < n { a2 += term(i + 2) }
        }
    }

    /// `(Σa², Σ(a−b)²)` over the common length of `a` (reference) and `b`.
    static func signalNoise(_ a: UnsafeBufferPointer<Float>, _ b: UnsafeBufferPointer<Float>) -> (signal: Double, noise: Double) {
        let n = min(a.count, b.count)
        guard n > 0, let pa = a.baseAddress, let pb = b.baseAddress else { return (0, 0) }
        var signal = Sum4(), noise = Sum4()
        signal.addSquares(pa, minus: nil, n)
        noise.addSquares(pa, minus: pb, n)
        return (signal.total, noise.total)
    }

    /// `Σ(x − fakeQuantize(x))²` and how many values were clipped (quantized to the range's end
    /// and more than half a step away from it), as ``QuantizationMath`` computes each value.
    static func rounding(_ x: UnsafeBufferPointer<Float>, _ p: QuantParameters, _ r: QuantRange) -> (noise: Double, clipped: Int) {
        guard let px = x.baseAddress, x.count > 0 else { return (0, 0) }
        let block = 1024
        var noise = Sum4()
        var clipped = 0
        let half = p.scale / 2
        withUnsafeTemporaryAllocation(of: Float.self, capacity: block) { back in
            let back = back.baseAddress!
            var start = 0
            while start < x.count {
                let n = min(block, x.count - start)
                let xs = px + start
                if let grid = FakeQuantGrid(p, r) {
                    // Branch-free so that it vectorises.
                    var c: Int32 = 0
                    for i in 0..<n {
                        let q = grid.level(xs[i])
                        let b = grid.dequantize(q)
                        back[i] = b
                        let atEnd: Int32 = (q == grid.qmin ? 1 : 0) | (q == grid.qmax ? 1 : 0)
                        let far: Int32 = Swift.abs(xs[i] - b) > half ? 1 : 0
                        c &+= atEnd & far
                    }
                    clipped += Int(c)
                } else {
                    for i in 0..<n {
                        let q = QuantizationMath.quantize(xs[i], p, r)
                        back[i] = QuantizationMath.dequantize(q, p)
                        if (q == r.qmin || q == r.qmax) && Swift.abs(xs[i] - back[i]) > half { clipped += 1 }
                    }
                }
                noise.addSquares(xs, minus: back, n)
                start += n
            }
        }
        return (noise.total, clipped)
    }
}
