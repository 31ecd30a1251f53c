import Foundation

/// Ballistic head movements of one subject: the head moves quickly, holds, and comes back.
///
/// Event times are a Poisson process (about one every 5 s); each amplitude is Pareto-distributed
/// (shape 1.5, scale 1.5 px, capped at 14 px) in a uniform direction, so most movements are small
/// and a few are large: the heavy tail that real motion has.
public struct SyntheticMotionBursts: Sendable {
    public struct Burst: Sendable {
        public var start: Double, rise: Double, hold: Double, fall: Double
        public var dx: Double, dy: Double
    }

    public var bursts: [Burst]

    /// Bursts over `seconds` for a subject; drawn from their own generator, so that a subject's
    /// other parameters are the same at every difficulty.
    public init(subjectSeed: UInt64, seconds: Double) {
        var g = SeededGenerator(seed: subjectSeed ^ 0x6D6F_7469_6F6E)
        var bursts: [Burst] = []
        var t = -log(max(1e-12, g.uniform(0, 1))) * 5
        while t < seconds {
            let amplitude = min(14, 1.5 / pow(max(1e-12, g.uniform(0, 1)), 1 / 1.5))
            let angle = g.uniform(0, 2 * .pi)
            bursts.append(Burst(start: t, rise: g.uniform(0.06, 0.2), hold: g.uniform(0.2, 1.5), fall: g.uniform(0.15, 0.5),
                                dx: amplitude * cos(angle), dy: amplitude * sin(angle)))
            t += -log(max(1e-12, g.uniform(0, 1))) * 5
        }
        self.bursts = bursts
    }

    /// Displacement in pixels at time `t` (smooth ramps, so the renderer's sub-pixel shift applies).
    public func displacement(at t: Double) -> (dx: Double, dy: Double) {
        var dx = 0.0, dy = 0.0
        for b in bursts where t >= b.start {
            let u = t - b.start
            let level: Double
            if u < b.rise { level = 0.5 - 0.5 * cos(.pi * u / b.rise) }
            else if u < b.rise + b.hold { level = 1 }
            else if u < b.rise + b.hold + b.fall { level = 0.5 + 0.5 * cos(.pi * (u - b.rise - b.hold) / b.fall) }
            else { continue }
            dx += level * b.dx
            dy += level * b.dy
        }
        return (dx, dy)
    }
}
