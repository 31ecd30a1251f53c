import TensorCore

/// Between the clip layout of a processed dataset (`[1, C, T, S, S]`) and a frame model's input
/// (`[T, C, S, S]`, rPPG-Toolbox's `data.view(N * D, C, H, W)`), so that clip-based steps (verify,
/// quantize on `rppg calibrate` clips) can run DeepPhys, TS-CAN and EfficientPhys.
public enum FrameLayout {
    /// One clip as frames; `extraFrame` repeats the last frame, as the toolbox's EfficientPhys
    /// trainer does before the model takes its `torch.diff`.
    public static func frames(fromClip clip: Tensor, extraFrame: Bool) -> Tensor {
        let (c, t, plane) = (clip.shape[1], clip.shape[2], clip.shape[3] * clip.shape[4])
        let x = clip.floatValues()
        let rows = t + (extraFrame ? 1 : 0)
        var y = [Float](repeating: 0, count: rows * c * plane)
        for f in 0..<rows {
            let source = min(f, t - 1)
            for ch in 0..<c {
                let from = (ch * t + source) * plane, to = (f * c + ch) * plane
                for p in 0..<plane { y[to + p] = x[from + p] }
            }
        }
        return Tensor(shape: [rows, c, clip.shape[3], clip.shape[4]], scalars: y)
    }

    /// Whether a model input `[rows, C, S, S]` takes clips `[1, C, T, S, S]` as frames, and with
    /// the extra last frame.
    public static func fits(modelInput m: [Int], clipShape s: [Int]) -> (fits: Bool, extraFrame: Bool) {
        guard m.count == 4, s.count == 5, m[1] == s[1], m[2] == s[3], m[3] == s[4] else { return (false, false) }
        if m[0] == s[2] { return (true, false) }
        return (m[0] == s[2] + 1, true)
    }
}
