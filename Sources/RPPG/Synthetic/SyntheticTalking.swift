import Foundation

/// Non-rigid face motion of one subject (`--difficulty nonrigid`): how far the jaw drops and the
/// brows rise at time t, in pixels.
///
/// Talking comes in bursts (2–6 s on, 1–5 s off); while on, the jaw opens at a syllable rate of
/// 1.5–4 Hz (half-wave rectified sine with a slowly wandering phase, up to 2.5 px). Brow raises
/// are a slower 0.3–1.5 Hz sine gated by the same bursts (up to 1.2 px). Both rates overlap the
/// HR band (0.75–2.5 Hz), where a method that averages the whole face picks them up.
public struct SyntheticTalking: Sendable {
    public struct Segment: Sendable { public var start: Double, end: Double }
    public var segments: [Segment]
    public var syllableRate: Double, jawAmplitude: Double
    public var browRate: Double, browAmplitude: Double
    var phaseRate: Double

    /// Drawn from its own generator, so that a subject's other parameters are the same at every
    /// difficulty.
    public init(subjectSeed: UInt64, seconds: Double) {
        var g = SeededGenerator(seed: subjectSeed ^ 0x7461_6C6B)
        syllableRate = g.uniform(1.5, 4)
        jawAmplitude = g.uniform(1.2, 2.5)
        browRate = g.uniform(0.3, 1.5)
        browAmplitude = g.uniform(0.4, 1.2)
        phaseRate = g.uniform(0.1, 0.4)
        var t = g.uniform(0, 2)
        var segments: [Segment] = []
        while t < seconds {
            let on = g.uniform(2, 6)
            segments.append(Segment(start: t, end: t + on))
            t += on + g.uniform(1, 5)
        }
        self.segments = segments
    }

    /// Smooth on/off gate (0.2 s ramps), so the warp has no jumps.
    func gate(at t: Double) -> Double {
        for s in segments where t >= s.start - 0.2 && t <= s.end + 0.2 {
            let up = min(1, (t - s.start + 0.2) / 0.4), down = min(1, (s.end + 0.2 - t) / 0.4)
            return max(0, min(up, down))
        }
        return 0
    }

    /// (jaw drop, brow raise) in pixels at time `t`.
    public func displacement(at t: Double) -> (jaw: Double, brow: Double) {
        let g = gate(at: t)
        guard g > 0 else { return (0, 0) }
        let phase = 2 * .pi * syllableRate * t + 1.5 * sin(2 * .pi * phaseRate * t)
        return (g * jawAmplitude * max(0, sin(phase)), g * browAmplitude * 0.5 * (1 - cos(2 * .pi * browRate * t)))
    }
}
