import Foundation

extension Verify {
    /// The verdict: acceptable only when INT8's MAE increase is below the threshold both per
    /// video and per clip. Per video alone hides what quantization does within a video (a
    /// whole-video FFT peak of a 60 s recording lands in the right bin although half its clips
    /// are wrong); per clip alone would let one video's drift pass. A NaN increase (no score) is
    /// not acceptable.
    static func judge(videoIncrease: Double, clipIncrease: Double, threshold: Double) -> (acceptable: Bool, basis: String) {
        func f(_ x: Double) -> String { x.isFinite ? String(format: "%+.2f", x) : "undefined" }
        let failing = [("per video", videoIncrease), ("per clip", clipIncrease)].filter { !($0.1 < threshold) }.map(\.0)
        let scores = "per video \(f(videoIncrease)), per clip \(f(clipIncrease)) BPM"
        let limit = String(format: "%.2f", threshold)
        guard !failing.isEmpty else { return (true, "\(scores): both below \(limit)") }
        return (false, "\(scores): \(failing.joined(separator: " and ")) not below \(limit)")
    }
}
