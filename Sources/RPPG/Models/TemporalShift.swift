import NN

/// rPPG-Toolbox's temporal shift module (TSM) on frames `[N·T, C, H, W]`: within each segment of
/// `segments` consecutive frames, channels `[0, C/3)` take the next frame's values, channels
/// `[C/3, 2C/3)` the previous frame's, the rest stay; the segment's ends are filled with zeros.
/// Expressed with Reshape, Slice and Concat so that every executor, ONNX and QDQ support it.
struct TemporalShift: Layer {
    var segments: Int
    /// C and the frame side at this point of the model (Reshape needs them; the IR is static).
    var channels: Int
    var size: Int

    func trace(_ x: String, in b: GraphBuilder) throws -> String {
        let s = segments, c = channels, fold = channels / 3, h = size, w = size
        let v = b.reshape(x, [-1, s, c, h, w])
        let forward = b.slice(v, axis: 2, start: 0, end: fold)
        let backward = b.slice(v, axis: 2, start: fold, end: 2 * fold)
        let kept = b.slice(v, axis: 2, start: 2 * fold, end: c)
        // One frame of zeros, `[N, 1, fold, H, W]`, as a − a: the IR holds no constants outside
        // the state dict (a constant would be trained and quantized as a weight).
        let edge = b.slice(forward, axis: 1, start: 0, end: 1)
        let zeros = b.sub(edge, edge)
        let left = b.concat([b.slice(forward, axis: 1, start: 1, end: s), zeros], axis: 1)
        let right = b.concat([zeros, b.slice(backward, axis: 1, start: 0, end: s - 1)], axis: 1)
        return b.reshape(b.concat([left, right, kept], axis: 2), [-1, c, h, w])
    }
}

/// The toolbox's `Attention_mask` after its sigmoid: `g / Σ_{H,W} g · H · W · 0.5`, that is
/// `g / (2 · mean_{H,W} g)`; the doubling is `m + m` (exact in floating point, no constant).
struct AttentionMask: Layer {
    func trace(_ x: String, in b: GraphBuilder) throws -> String {
        let m = b.mean(x, axes: [2, 3], keepDims: true)
        return b.div(x, b.add(m, m))
    }
}
