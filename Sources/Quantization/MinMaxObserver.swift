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

    /// Folds one batch in.
    public mutating func observe(_ values: UnsafeBufferPointer<Float>) {
        var lo = min, hi = max, alo = absMin, ahi = absMax, n = 0
        for v in values where !v.isNaN {
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
