import TensorCore

/// Running min/max of a tensor over every calibration batch (ORT's `MinMaxCalibrater` without
/// moving average: the min of the mins and the max of the maxes). NaNs are ignored, as
/// `np.nanmin` does. Also keeps the min/max of `|x|`, which the exact two-pass histogram
/// calibration needs to place its bins as ORT's single `np.histogram` call does.
public struct MinMaxObserver: Hashable, Sendable {
    public private(set) var min: Float = .infinity
    public private(set) var max: Float = -.infinity
    public private(set) var absMin: Float = .infinity
    public private(set) var absMax: Float = -.infinity
    /// Number of finite-or-infinite (non-NaN) values seen.
    public private(set) var count: Int = 0

    public init() {}

    /// True once at least one value was seen.
    public var hasData: Bool { count > 0 }

    /// Folds one batch in. Sixteen lanes at a time: a NaN compares false with everything, so it
    /// never becomes a min or max and is not counted, exactly as in the scalar loop at the end.
    public mutating func observe(_ values: UnsafeBufferPointer<Float>) {
        guard let base = values.baseAddress else { return }
        typealias V = SIMD16<Float>
        let lanes = V.scalarCount
        let vectors = values.count / lanes
        var n = 0
        if vectors > 0 {
            var lo = V(repeating: min), hi = V(repeating: max), alo = V(repeating: absMin), ahi = V(repeating: absMax)
            var seen = SIMD16<Int32>(repeating: 0)
            let raw = UnsafeRawPointer(base)
            for i in 0..<vectors {
                let v = raw.loadUnaligned(fromByteOffset: i * lanes * 4, as: V.self)
                lo.replace(with: v, where: v .< lo)
                hi.replace(with: v, where: v .> hi)
                let a = unsafeBitCast(unsafeBitCast(v, to: SIMD16<UInt32>.self) & 0x7fff_ffff, to: V.self)  // |v|
                alo.replace(with: a, where: a .< alo)
                ahi.replace(with: a, where: a .> ahi)
                seen.replace(with: seen &+ 1, where: v .== v)
            }
            for l in 0..<lanes {
                if lo[l] < min { min = lo[l] }
                if hi[l] > max { max = hi[l] }
                if alo[l] < absMin { absMin = alo[l] }
                if ahi[l] > absMax { absMax = ahi[l] }
                n += Int(seen[l])
            }
        }
        var lo = min, hi = max, alo = absMin, ahi = absMax
        for v in UnsafeBufferPointer(rebasing: values[(vectors * lanes)...]) where !v.isNaN {
            if v < lo { lo = v }
            if v > hi { hi = v }
            let a = Swift.abs(v)
            if a < alo { alo = a }
            if a > ahi { ahi = a }
            n += 1
        }
        min = lo; max = hi; absMin = alo; absMax = ahi; count += n
    }

    /// Folds one float32 tensor in.
    public mutating func observe(_ tensor: Tensor) {
        let t = tensor.toFloat32()
        t.withUnsafeBufferPointer(of: Float.self) { observe($0) }
    }

    /// Combines another observer's data (order-independent).
    public mutating func merge(_ other: MinMaxObserver) {
        min = Swift.min(min, other.min); max = Swift.max(max, other.max)
        absMin = Swift.min(absMin, other.absMin); absMax = Swift.max(absMax, other.absMax)
        count += other.count
    }

    /// `(min, max)`, or `(0, 0)` when nothing was seen (ORT's empty-array rule).
    public var range: (min: Float, max: Float) { hasData ? (min, max) : (0, 0) }
}
