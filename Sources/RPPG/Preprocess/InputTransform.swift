/// How frames and labels are normalised before chunking, named as in rPPG-Toolbox.
public enum InputType: String, Sendable, CaseIterable {
    /// Frame differences over frame sums, divided by their global std; a zero frame appended.
    case diffNormalized = "diffnormalized"
    /// `(x - mean) / std` over the whole video.
    case standardized
    /// Resized pixel values (0…255) unchanged.
    case raw

    /// The spelling rPPG-Toolbox uses in its configs (`DiffNormalized`, `Standardized`, `Raw`).
    public var toolboxName: String {
        switch self {
        case .diffNormalized: return "DiffNormalized"
        case .standardized: return "Standardized"
        case .raw: return "Raw"
        }
    }

    /// Parses either spelling, case-insensitively.
    public init?(name: String) {
        let key = name.lowercased().replacingOccurrences(of: "_", with: "").replacingOccurrences(of: "-", with: "")
        guard let v = InputType(rawValue: key) else { return nil }
        self = v
    }
}

/// rPPG-Toolbox's `diff_normalize_data`, `standardized_data`, `diff_normalize_label` and
/// `standardized_label`, on whole videos (`frames`: T × P values, frame-major).
public enum InputTransform {
    /// Transforms the frames of one video in place.
    public static func apply(_ type: InputType, frames: inout [Float], frameCount t: Int) {
        switch type {
        case .raw: return
        case .standardized: standardize(&frames)
        case .diffNormalized: diffNormalize(&frames, frameCount: t)
        }
    }

    /// Transforms the label signal of one video.
    public static func label(_ type: InputType, _ y: [Double]) -> [Float] {
        switch type {
        case .raw: return y.map { Float($0) }
        case .standardized:
            let (m, s) = meanStd(y)
            return y.map { v in let r = Float((v - m) / s); return r.isNaN ? 0 : r }
        case .diffNormalized:
            guard y.count > 1 else { return [Float](repeating: 0, count: y.count) }
            let d = (1..<y.count).map { y[$0] - y[$0 - 1] }
            let (_, s) = meanStd(d)
            var out = d.map { v in let r = Float(v / s); return r.isNaN ? 0 : r }
            out.append(0)
            return out
        }
    }

    /// `d_t = (c_{t+1} - c_t) / (c_{t+1} + c_t + 1e-7)` (float64, stored as float32), divided
    /// by the float32 std of all d, a zero frame appended, NaN set to 0.
    public static func diffNormalize(_ frames: inout [Float], frameCount t: Int) {
        guard t > 0 else { return }
        let p = frames.count / t
        frames.withUnsafeMutableBufferPointer { f in
            // Forward in time so each frame is read before it is overwritten.
            for k in 0..<(t - 1) {
                let a = k * p, b = (k + 1) * p
                for i in 0..<p {
                    let c0 = Double(f[a + i]), c1 = Double(f[b + i])
                    f[a + i] = Float((c1 - c0) / (c1 + c0 + 1e-7))
                }
            }
            let count = (t - 1) * p
            var s = 0.0, sq = 0.0
            for i in 0..<count { s += Double(f[i]) }
            let mean = count > 0 ? s / Double(count) : 0
            for i in 0..<count { let d = Double(f[i]) - mean; sq += d * d }
            let std = Float(count > 0 ? (sq / Double(count)).squareRoot() : 0)
            for i in 0..<count {
                let v = f[i] / std
                f[i] = v.isNaN ? 0 : v
            }
            for i in count..<(t * p) { f[i] = 0 }
        }
    }

    /// `(x - mean) / std` over all values (float64 arithmetic), NaN set to 0.
    public static func standardize(_ frames: inout [Float]) {
        let n = frames.count
        guard n > 0 else { return }
        var s = 0.0
        for v in frames { s += Double(v) }
        let mean = s / Double(n)
        var sq = 0.0
        for v in frames { let d = Double(v) - mean; sq += d * d }
        let std = (sq / Double(n)).squareRoot()
        frames.withUnsafeMutableBufferPointer { f in
            for i in 0..<n {
                let v = Float((Double(f[i]) - mean) / std)
                f[i] = v.isNaN ? 0 : v
            }
        }
    }

    static func meanStd(_ x: [Double]) -> (Double, Double) {
        guard !x.isEmpty else { return (0, 0) }
        let m = x.reduce(0, +) / Double(x.count)
        let v = x.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(x.count)
        return (m, v.squareRoot())
    }
}
