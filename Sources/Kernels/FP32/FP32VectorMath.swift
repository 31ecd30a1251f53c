/// Vectorised `exp`, `expm1`, `tanh` and `sigmoid` on 16 floats at a time, for the activations.
///
/// The libm call per element cost FactorizePhys (Tanh after every conv) ~200 ms of a 660 ms FP32
/// clip. These stay within a few float ulps of libm (tested against it on a sweep), which is far
/// inside the 1e-4 the executor tests allow against PyTorch (itself vectorised, SLEEF-style).
enum FP32VectorMath {
    typealias V = SIMD16<Float>

    /// e^x: Cody–Waite reduction x = n·ln2 + r (|r| ≤ ln2/2), a degree-7 Taylor polynomial for
    /// e^r (truncation < 6e-9 relative), and 2^n assembled in the exponent bits.
    /// Inputs are clamped to [-87, 88] (outside, the result saturates to ~1.6e-38 / ~1.7e38).
    @inline(__always)
    static func exp(_ x: V) -> V {
        let x = clamp(x, -87, 88)
        // Round x·log2(e) to an integer n with the 1.5·2²³ trick: adding it leaves n in the low
        // mantissa bits (generic SIMD float→int conversions are not vectorised by Swift).
        let magic = V(repeating: 12_582_912)
        let t = x * 1.442_695_04 + magic
        let n = t - magic
        let r = (x - n * 0.693_145_75) - n * 1.428_606_8e-6  // ln2 split into exact high and low parts
        var p = V(repeating: 1.0 / 5040)
        p = p * r + 1.0 / 720
        p = p * r + 1.0 / 120
        p = p * r + 1.0 / 24
        p = p * r + 1.0 / 6
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        let bits = (unsafeBitCast(t, to: SIMD16<Int32>.self) &- 0x4B40_0000 &+ 127) &<< 23
        return p * unsafeBitCast(bits, to: V.self)
    }

    /// `x` limited to [lo, hi] with plain compares (NaN passes through unchanged).
    @inline(__always)
    static func clamp(_ x: V, _ lo: Float, _ hi: Float) -> V {
        x.replacing(with: lo, where: x .< lo).replacing(with: hi, where: x .> hi)
    }

    /// |x|, by clearing the sign bits.
    @inline(__always)
    static func magnitude(_ x: V) -> V {
        unsafeBitCast(unsafeBitCast(x, to: SIMD16<UInt32>.self) & 0x7fff_ffff, to: V.self)
    }

    /// e^x − 1, with a Taylor series near 0 where e^x − 1 would cancel.
    @inline(__always)
    static func expm1(_ x: V) -> V {
        let small = magnitude(x) .< 0.0625
        var t = V(repeating: 1.0 / 120)
        t = t * x + 1.0 / 24
        t = t * x + 1.0 / 6
        t = t * x + 0.5
        t = t * x * x + x
        return (exp(x) - 1).replacing(with: t, where: small)
    }

    /// tanh x = sign(x)·(1 − e^{−2|x|}) / (1 + e^{−2|x|}); an odd Taylor series below 1/16.
    @inline(__always)
    static func tanh(_ x: V) -> V {
        let a = clamp(magnitude(x), 0, 9)
        let e = exp(-2 * a)
        var t = (1 - e) / (1 + e)
        let x2 = x * x
        var s = V(repeating: -17.0 / 315)
        s = s * x2 + 2.0 / 15
        s = s * x2 - 1.0 / 3
        s = s * x2 * a + a
        t.replace(with: s, where: a .< 0.0625)
        let signed = unsafeBitCast(unsafeBitCast(t, to: SIMD16<UInt32>.self) | (unsafeBitCast(x, to: SIMD16<UInt32>.self) & 0x8000_0000), to: V.self)
        return signed.replacing(with: x, where: x .!= x)  // NaN stays NaN
    }

    /// 1 / (1 + e^{−x}).
    @inline(__always)
    static func sigmoid(_ x: V) -> V {
        (1 / (1 + exp(-x))).replacing(with: x, where: x .!= x)
    }

    /// Applies `f` to `count` floats from `x` into `y` (`x` may equal `y`), 16 at a time; the
    /// tail goes through a zero-padded vector so it gets the same arithmetic.
    @inline(__always)
    static func map(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int, _ f: (V) -> V) {
        var i = 0
        while i + 16 <= count {
            let v = UnsafeRawPointer(x + i).loadUnaligned(as: V.self)
            UnsafeMutableRawPointer(y + i).storeBytes(of: f(v), as: V.self)
            i += 16
        }
        if i < count {
            var v = V(repeating: 0)
            for j in 0..<(count - i) { v[j] = x[i + j] }
            let r = f(v)
            for j in 0..<(count - i) { y[i + j] = r[j] }
        }
    }
}
