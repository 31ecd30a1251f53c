import Foundation

/// What makes synthetic data hard (`rppg synth --difficulty A,B,…`); effects combine. Each one
/// reproduces a way real recordings break rPPG methods, so that tests can show where each breaks.
public enum SyntheticDifficulty: String, CaseIterable, Sendable, Hashable {
    /// Smooth head motion, small in-band jitter, skin tones from light to dark: what the bundled
    /// model was trained on.
    case standard
    /// Ballistic head movements (looking away, nodding) at random times with heavy-tailed
    /// amplitudes: DiffNormalized frames then hold motion edges tens of standard deviations out,
    /// as real recordings do, which is what breaks MinMax calibration.
    case motion
    /// Compression-like blocking: every frame goes through 8×8 DCT quantisation in YCbCr with
    /// JPEG's tables at quality 60 (as MJPEG or an intra frame does), which flattens the
    /// sub-level pulse inside blocks and adds block edges that move with the face.
    case blocking
    /// Non-rigid face motion: talking (the jaw opens at syllable rate, 1.5–4 Hz, in bursts) and
    /// brow raises (0.3–1.5 Hz) warp the lower and upper face, partly inside the HR band.
    case nonrigid
    /// Only the two darkest skin tones (Fitzpatrick V–VI), with a 0.6× shallower pulse (melanin
    /// absorbs the green light that carries it): the same sensor noise leaves a lower pulse SNR.
    case darkSkin = "dark-skin"
    /// A second, smaller face beside the subject's with its own heart rate: a crop of the wrong
    /// face gives the wrong HR. The detector's widest-box rule must keep the subject's face.
    case secondFace = "second-face"

    /// Parses `--difficulty`: comma-separated names, e.g. `motion,blocking`.
    public static func parseList(_ text: String) throws -> Set<SyntheticDifficulty> {
        var out: Set<SyntheticDifficulty> = []
        for name in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !name.isEmpty {
            guard let d = SyntheticDifficulty(rawValue: name) else {
                throw SyntheticDifficultyError(name: name)
            }
            out.insert(d)
        }
        guard !out.isEmpty else { throw SyntheticDifficultyError(name: text) }
        out.remove(.standard)
        return out
    }
}

/// An unknown `--difficulty` name.
public struct SyntheticDifficultyError: Error, CustomStringConvertible {
    public var name: String
    public var description: String {
        "Unknown --difficulty '\(name)': use standard or a comma-separated list of "
            + SyntheticDifficulty.allCases.filter { $0 != .standard }.map(\.rawValue).joined(separator: ", ") + "."
    }
}
