import Foundation

/// The physiological and recording parameters of one synthetic subject, drawn from the seed.
public struct SyntheticSubject: Sendable {
    /// Mean heart rate (BPM), 50–140.
    public var heartRate: Double
    /// Peak-to-peak pulsatile amplitude in the green channel, as a fraction of DC (0.4–1 %).
    public var pulseAmplitude: Double
    /// Skin colour (RGB, 0…255) before shading.
    public var skin: (Double, Double, Double)
    public var background: (Double, Double, Double)
    /// Slow illumination drift amplitude (fraction) and frequency (Hz).
    public var driftAmplitude: Double, driftFrequency: Double
    /// Light flicker amplitude (fraction) and frequency (Hz); it can fall inside the HR band.
    public var flickerAmplitude: Double, flickerFrequency: Double
    /// Rigid head motion amplitude (pixels) and frequency (Hz).
    public var motionAmplitude: Double, motionFrequency: Double
    /// Small in-band head movement amplitude (pixels) and frequency (Hz).
    public var jitterAmplitude: Double, jitterFrequency: Double
    /// Sensor noise standard deviation (8-bit levels).
    public var noise: Double
    /// Face centre offset from the frame centre (fraction of width/height) and face scale.
    public var faceOffset: (Double, Double), faceScale: Double
    /// Respiratory sinus arrhythmia depth (BPM) and the random-walk HR variability (BPM per √s).
    public var arrhythmia: Double, hrWalk: Double
    /// Relative height of the diastolic (dicrotic) wave.
    public var dicroticHeight: Double
    /// Per-subject seed for the time series and the noise.
    public var seed: UInt64

    /// Blood-volume pulse direction in normalised RGB (de Haan & van Leest 2014).
    public static let bloodVolumeDirection = (0.33, 0.77, 0.53)

    /// Skin tones from light to dark (RGB).
    static let tones: [(Double, Double, Double)] = [
        (232, 190, 172), (224, 172, 150), (205, 150, 125), (180, 125, 95), (150, 100, 75), (112, 76, 58),
    ]

    /// Parameters of subject `index` for dataset `seed`; `darkSkin` keeps the tone within the two
    /// darkest (every other parameter is the same as without it).
    public init(seed: UInt64, index: Int, darkSkin: Bool = false) {
        var g = SeededGenerator(seed: seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(index + 1) &* 0xD1B5_4A32_D192_ED03)
        heartRate = g.uniform(50, 140)
        // Melanin absorbs much of the green light that carries the pulse: darker skin shows a
        // shallower modulation (lower rPPG SNR in the literature), modelled as 0.6× here.
        pulseAmplitude = g.uniform(0.004, 0.010) * (darkSkin ? 0.6 : 1)
        let drawn = g.uniform(0, Double(Self.tones.count - 1))
        let tone = darkSkin ? Double(Self.tones.count - 2) + drawn / Double(Self.tones.count - 1) : drawn
        let k = min(Int(tone), Self.tones.count - 2), f = tone - Double(k)
        let a = Self.tones[k], b = Self.tones[k + 1]
        skin = (a.0 + (b.0 - a.0) * f, a.1 + (b.1 - a.1) * f, a.2 + (b.2 - a.2) * f)
        // Darker than the darkest skin tone, so the face stands out for the detector.
        background = (g.uniform(15, 70), g.uniform(15, 70), g.uniform(15, 70))
        driftAmplitude = g.uniform(0.02, 0.08)
        driftFrequency = g.uniform(0.02, 0.1)
        flickerAmplitude = g.uniform(0.001, 0.008)
        flickerFrequency = g.uniform(0.7, 3.0)
        motionAmplitude = g.uniform(0.3, 2.5)
        motionFrequency = g.uniform(0.1, 0.5)
        // Small fast movements (talking, ballistic head motion) that put the face edge's colour
        // change inside the pulse band, where POS can be fooled too.
        jitterAmplitude = g.uniform(0, 0.3)
        jitterFrequency = g.uniform(0.7, 2.5)
        noise = g.uniform(1.0, 3.0)
        faceOffset = (g.uniform(-0.05, 0.05), g.uniform(-0.03, 0.06))
        faceScale = g.uniform(0.92, 1.08)
        arrhythmia = g.uniform(0.5, 3.0)
        hrWalk = g.uniform(0.2, 0.8)
        dicroticHeight = g.uniform(0.3, 0.55)
        self.seed = g.next()
    }
}
