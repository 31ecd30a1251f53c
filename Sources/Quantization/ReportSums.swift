/// The sums behind the per-layer SQNR report, sixteen floats at a time.
///
/// Both sums accumulate in the same fixed order (sixteen float64 lanes, reduced lane by lane, then
/// the tail), so the result does not depend on thread count, and a tensor whose fake-quant
/// value is exactly its own rounding (the graph input) gets bit-identical noise from both.
enum ReportSums {
    typealias F = SIMD16<Float>
    typealias D = SIMD8<Double>

    /// `(Σa², Σ(a−b)²)` over the common length of `a` (reference) and `b`.
    static func signalNoise(_ a: UnsafeBufferPointer<Float>, _ b: UnsafeBufferPointer<Float>) -> (signal: Double, noise: Double) {
        let n = min(a.count, b.count)
        guard n > 0, let pa = a.baseAddress, let pb = b.baseAddress else { return (0, 0) }
        let chunks = n / 16
        var (sLo, sHi, nLo, nHi) = (D(), D(), D(), D())
        for c in 0..<chunks {
            let x = UnsafeRawPointer(pa + c * 16).loadUnaligned(as: F.self)
            let y = UnsafeRawPointer(pb + c * 16).loadUnaligned(as: F.self)
            let (xLo, xHi) = (widen(x.lowHalf), widen(x.highHalf))
            let (dLo, dHi) = (xLo - widen(y.lowHalf), xHi - widen(y.highHalf))
            sLo += xLo * xLo; sHi += xHi * xHi
            nLo += dLo * dLo; nHi += dHi * dHi
        }
        var signal = reduce(sLo, sHi), noise = reduce(nLo, nHi)
        for k in (chunks * 16)..<n {
            let d = Double(pa[k]) - Double(pb[k])
            signal += Double(pa[k]) * Double(pa[k]); noise += d * d
        }
        return (signal, noise)
    }

    /// `Σ(x − fakeQuantize(x))²` and how many values were clipped (quantized to the range's end
    /// and more than half a step away from it), as ``QuantizationMath`` computes each value.
    static func rounding(_ x: UnsafeBufferPointer<Float>, _ p: QuantParameters, _ r: QuantRange) -> (noise: Double, clipped: Int) {
        guard let px = x.baseAddress, x.count > 0 else { return (0, 0) }
        // Lanes hold q in float32; exact while the integer range fits float32's 24-bit mantissa.
        let simd = Int64(r.qmin) - Int64(p.zeroPoint) >= -(1 << 24) && Int64(r.qmax) - Int64(p.zeroPoint) <= 1 << 24
        let chunks = simd ? x.count / 16 : 0
        let (scale, zp, lo, hi) = (F(repeating: p.scale), F(repeating: Float(p.zeroPoint)),
                                   F(repeating: Float(r.qmin)), F(repeating: Float(r.qmax)))
        let half = F(repeating: p.scale / 2)
        var (nLo, nHi) = (D(), D())
        var clippedLanes = SIMD16<Int32>()
        for c in 0..<chunks {
            let v = UnsafeRawPointer(px + c * 16).loadUnaligned(as: F.self)
            var q = roundedToNearestEven(v / scale) + zp
            q.replace(with: zp, where: q .!= q)
            q = q.clamped(lowerBound: lo, upperBound: hi)
            let back = (q - zp) * scale
            let far = magnitude(v - back) .> half
            clippedLanes.replace(with: clippedLanes &+ 1, where: far .& ((q .== lo) .| (q .== hi)))
            let (dLo, dHi) = (widen(v.lowHalf) - widen(back.lowHalf), widen(v.highHalf) - widen(back.highHalf))
            nLo += dLo * dLo; nHi += dHi * dHi
        }
        var noise = reduce(nLo, nHi)
        var clipped = 0
        for l in 0..<16 { clipped += Int(clippedLanes[l]) }
        for k in (chunks * 16)..<x.count {
            let f = px[k]
            let q = QuantizationMath.quantize(f, p, r)
            let back = QuantizationMath.dequantize(q, p)
            if (q == r.qmin || q == r.qmax) && abs(f - back) > p.scale / 2 { clipped += 1 }
            let d = Double(f) - Double(back)
            noise += d * d
        }
        return (noise, clipped)
    }

    @inline(__always) private static func widen(_ v: SIMD8<Float>) -> D {
        D(v)
    }

    /// `rint` lane by lane without a libm call per lane: below 2²³ adding and subtracting 2²³
    /// rounds the magnitude to an integer, ties to even (IEEE default rounding); from 2²³ on a
    /// float32 already is an integer. The sign is put back, so −0.3 gives −0 as `rint` does.
    @inline(__always) static func roundedToNearestEven(_ v: F) -> F {
        let bits = unsafeBitCast(v, to: SIMD16<UInt32>.self)
        let sign = bits & 0x8000_0000
        let m = magnitude(v)
        let big = F(repeating: 8_388_608)
        var r = (m + big) - big
        r.replace(with: m, where: .!(m .< big))  // large, infinite or NaN: unchanged
        return unsafeBitCast(unsafeBitCast(r, to: SIMD16<UInt32>.self) | sign, to: F.self)
    }

    @inline(__always) private static func magnitude(_ v: F) -> F {
        unsafeBitCast(unsafeBitCast(v, to: SIMD16<UInt32>.self) & 0x7fff_ffff, to: F.self)
    }

    private static func reduce(_ lo: D, _ hi: D) -> Double {
        var s = 0.0
        for l in 0..<8 { s += lo[l] }
        for l in 0..<8 { s += hi[l] }
        return s
    }
}
