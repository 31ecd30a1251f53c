import TensorCore

/// Between the clip layout of a processed dataset (`[N, C, T, S, S]`) and a frame model's input
/// (`[N·T, C, S, S]`, rPPG-Toolbox's `data.view(N * D, C, H, W)`), so that clip-based steps
/// (train, verify, quantize on `rppg calibrate` clips) can run DeepPhys, TS-CAN and EfficientPhys.
public enum FrameLayout {
    /// One clip `[1, C, T, S, S]` as frames; `extraFrame` repeats the last frame, as the toolbox's
    /// EfficientPhys trainer does before the model takes its `torch.diff`.
    public static func frames(fromClip clip: Tensor, extraFrame: Bool) -> Tensor {
        let (shape, values) = frames(fromClips: clip, indices: [0], extraFrame: extraFrame)
        return Tensor(shape: shape, scalars: values)
    }

    /// Clips `indices` of `[N, C, T, S, S]` as one batch of frames `[n·T (+1), C, S, S]`: clip by
    /// clip, frame by frame. `extraFrame` appends the batch's last frame once more, as the
    /// toolbox's EfficientPhys trainer does for a batch (so the difference at a clip boundary
    /// within a batch spans two clips there, as in the toolbox).
    public static func frames(fromClips clips: Tensor, indices: [Int], extraFrame: Bool) -> (shape: [Int], values: [Float]) {
        let (c, t, plane) = (clips.shape[1], clips.shape[2], clips.shape[3] * clips.shape[4])
        let rows = indices.count * t + (extraFrame ? 1 : 0)
        var y = [Float](repeating: 0, count: rows * c * plane)
        let fill = { (x: UnsafeBufferPointer<Float>) in
            y.withUnsafeMutableBufferPointer { out in
                for row in 0..<rows {
                    // The extra row repeats the last clip's last frame.
                    let (k, f) = row < indices.count * t ? (row / t, row % t) : (indices.count - 1, t - 1)
                    let clip = indices[k] * c * t * plane
                    for ch in 0..<c {
                        let from = clip + (ch * t + f) * plane, to = (row * c + ch) * plane
                        for p in 0..<plane { out[to + p] = x[from + p] }
                    }
                }
            }
        }
        if clips.dtype == .float32 {
            clips.withUnsafeBufferPointer(of: Float.self, fill)
        } else {
            clips.floatValues().withUnsafeBufferPointer(fill)
        }
        return ([rows, c, clips.shape[3], clips.shape[4]], y)
    }

    /// Whether a model input `[rows, C, S, S]` takes clips `[1, C, T, S, S]` as frames, and with
    /// the extra last frame.
    public static func fits(modelInput m: [Int], clipShape s: [Int]) -> (fits: Bool, extraFrame: Bool) {
        guard m.count == 4, s.count == 5, m[1] == s[1], m[2] == s[3], m[3] == s[4] else { return (false, false) }
        if m[0] == s[2] { return (true, false) }
        return (m[0] == s[2] + 1, true)
    }
}
