import Foundation

/// A subject's pulse over time: instantaneous heart rate with respiratory sinus arrhythmia and a
/// random walk, beat phase integrated from it, and a two-wave (systolic + diastolic) beat shape
/// whose dip between the waves is the dicrotic notch.
public struct SyntheticPulse: Sendable {
    /// Instantaneous heart rate per frame (BPM).
    public var heartRate: [Double]
    /// Pulse waveform per frame, zero mean, peak-to-peak ≈ 1 (blood volume: high at systole).
    public var waveform: [Double]
    /// The contact-PPG reference (arbitrary units, as a finger sensor records it).
    public var reference: [Double]

    public init(subject: SyntheticSubject, frames: Int, fps: Double) {
        var g = SeededGenerator(seed: subject.seed ^ 0x5150_5150)
        let rsaPhase = g.uniform(0, 2 * .pi), rsaRate = g.uniform(0.18, 0.3)
        var walk = 0.0
        var phase = g.uniform(0, 1)
        var beatGain = 1.0
        heartRate = []
        waveform = []
        reference = []
        heartRate.reserveCapacity(frames)
        let dt = 1 / fps
        // Mean of one beat shape, to remove its DC.
        let mean = (0..<1000).reduce(0.0) { $0 + Self.shape(Double($1) / 1000, subject.dicroticHeight) } / 1000
        var peak = 0.0
        for u in 0..<1000 { peak = max(peak, Self.shape(Double(u) / 1000, subject.dicroticHeight)) }
        for i in 0..<frames {
            let t = Double(i) * dt
            // Bounded random walk keeps the rate within ±6 BPM of the subject's mean.
            walk += subject.hrWalk * dt.squareRoot() * g.normal() - 0.05 * walk * dt
            walk = max(-6, min(6, walk))
            let hr = min(150, max(45, subject.heartRate + subject.arrhythmia * sin(2 * .pi * rsaRate * t + rsaPhase) + walk))
            heartRate.append(hr)
            let previous = phase
            phase += hr / 60 * dt
            if Int(phase) != Int(previous) { beatGain = 1 + 0.08 * g.normal() }  // beat-to-beat amplitude
            let u = phase - phase.rounded(.down)
            let s = Self.shape(u, subject.dicroticHeight)
            waveform.append(beatGain * (s - mean) / peak)
            reference.append(s * 1.0 + 0.01 * g.normal())
        }
    }

    /// One beat, phase `u` in [0, 1): systolic wave at 0.2, diastolic wave at 0.5.
    static func shape(_ u: Double, _ dicrotic: Double) -> Double {
        func bump(_ c: Double, _ w: Double) -> Double {
            // Periodic distance so beats join smoothly.
            var d = u - c
            d -= d.rounded()
            return exp(-0.5 * (d / w) * (d / w))
        }
        return bump(0.2, 0.07) + dicrotic * bump(0.5, 0.09)
    }
}
