import Foundation

/// The unsupervised rPPG baselines, as rPPG-Toolbox implements them. Each maps the per-frame
/// mean RGB of the face region to a pulse signal; HR then comes from ``HeartRateEvaluation``.
public enum UnsupervisedMethod: String, Sendable, CaseIterable, Codable {
    case pos
    case chrom
    case green

    /// Name as the papers and the toolbox print it.
    public var displayName: String {
        switch self {
        case .pos: return "POS"
        case .chrom: return "CHROM"
        case .green: return "GREEN"
        }
    }

    /// The pulse signal of `rgb` (one mean (R, G, B) per frame, 0–255 or any linear scale)
    /// at `fps` frames per second. CHROM's output is shorter than the input (whole half-windows only).
    public func pulse(rgb: [SIMD3<Double>], fps: Double) throws -> [Double] {
        switch self {
        case .pos: return try POS.pulse(rgb: rgb, fps: fps)
        case .chrom: return try CHROM.pulse(rgb: rgb, fps: fps)
        case .green: return GREEN.pulse(rgb: rgb)
        }
    }
}

/// GREEN (Verkruysse et al. 2008): the mean green channel is the pulse.
public enum GREEN {
    /// The green trace itself; detrending and band-pass happen in the evaluation.
    public static func pulse(rgb: [SIMD3<Double>]) -> [Double] {
        rgb.map { $0.y }
    }
}
