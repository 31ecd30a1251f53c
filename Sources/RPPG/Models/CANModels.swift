import NN

/// rPPG-Toolbox's convolutional-attention family, key for key with
/// `neural_methods/model/{DeepPhys,TS_CAN,EfficientPhys}.py` (twins in Tools/pytorch_zoo.py).
/// Frame models: one row per frame, input `[N·T, C, S, S]`, output `[N·T, 1]`; S is 36 or 72
/// (the dense layer's width, 3136 or 16384, fixes it), dropout is identity at inference.
struct CANModel: Layer {
    enum Variant { case deepPhys, tsCAN, efficientPhys }
    var variant: Variant
    /// Frame side S.
    var size: Int
    /// TSM segment length (the toolbox's `frame_depth`); N·T must be a multiple of it.
    var frameDepth: Int

    static let filters1 = 32, filters2 = 64, dense = 128
    /// `final_dense_1`'s input width for frame side S: 64 · ((S − 2)/2 − 2)/2)².
    static func denseInputs(size s: Int) -> Int { filters2 * (((s - 2) / 2 - 2) / 2) * (((s - 2) / 2 - 2) / 2) }
    /// The frame sides the toolbox's configs use.
    static let sizes = [36, 72, 96, 128]
    /// The frame side a `final_dense_1` width implies.
    static func size(denseInputs n: Int) -> Int? { sizes.first { denseInputs(size: $0) == n } }

    /// `tanh(conv(x))`; convs 1 and 3 keep the side (padding 1), 2 and 4 shrink it by 2.
    func conv(_ name: String, _ cin: Int, _ cout: Int, padded: Bool, _ x: String, _ b: GraphBuilder) throws -> String {
        let p = padded ? 1 : 0
        return b.node(.tanh, [try Named(name, Conv2d(cin, cout, [3, 3], padding: [p, p])).trace(x, in: b)])
    }

    /// `d · mask(sigmoid(conv1x1(r)))`: the appearance branch (or, in EfficientPhys, the motion
    /// branch itself) gates the motion features.
    func gate(_ name: String, channels: Int, motion d: String, appearance r: String, _ b: GraphBuilder) throws -> String {
        let g = b.node(.sigmoid, [try Named(name, Conv2d(channels, 1, [1, 1])).trace(r, in: b)])
        return b.mul(d, try AttentionMask().trace(g, in: b))
    }

    func shift(_ x: String, channels: Int, size: Int, _ b: GraphBuilder) throws -> String {
        variant == .deepPhys ? x : try TemporalShift(segments: frameDepth, channels: channels, size: size).trace(x, in: b)
    }

    /// PyTorch's state-dict order (registration order), which the trace does not follow: motion
    /// convs, appearance convs, attention convs, dense layers, then EfficientPhys's `batch_norm`.
    static func pytorchOrder(_ keys: [String]) -> [String] {
        let groups = ["motion_conv", "apperance_conv", "apperance_att_conv", "final_dense", "batch_norm"]
        func rank(_ k: String) -> Int { groups.firstIndex { k.hasPrefix($0) } ?? groups.count }
        return keys.enumerated().sorted { (rank($0.element), $0.offset) < (rank($1.element), $1.offset) }.map(\.element)
    }

    func trace(_ x: String, in b: GraphBuilder) throws -> String {
        let (f1, f2) = (Self.filters1, Self.filters2)
        let pool = AvgPool2d([2, 2]), half = (size - 2) / 2
        var motion: String, appearance: String?
        if variant == .efficientPhys {
            // torch.diff over the frame axis (N·T + 1 rows in, N·T out), then BatchNorm2d(3).
            let rows = b.inputs.first { $0.name == x }?.shape[0] ?? 0
            let diff = b.sub(b.slice(x, axis: 0, start: 1, end: rows), b.slice(x, axis: 0, start: 0, end: rows - 1))
            motion = try Named("batch_norm", BatchNorm2d(3)).trace(diff, in: b)
            appearance = nil
        } else {
            motion = b.slice(x, axis: 1, start: 0, end: 3)   // DiffNormalized
            appearance = b.slice(x, axis: 1, start: 3, end: 6)   // Standardized
        }
        var d = try conv("motion_conv1", 3, f1, padded: true, try shift(motion, channels: 3, size: size, b), b)
        d = try conv("motion_conv2", f1, f1, padded: false, try shift(d, channels: f1, size: size, b), b)
        var r = d
        if let a = appearance {
            r = try conv("apperance_conv1", 3, f1, padded: true, a, b)
            r = try conv("apperance_conv2", f1, f1, padded: false, r, b)
        }
        d = try Dropout(0.25).trace(pool.trace(try gate("apperance_att_conv1", channels: f1, motion: d, appearance: r, b), in: b), in: b)
        if appearance != nil { r = try Dropout(0.25).trace(pool.trace(r, in: b), in: b) }
        d = try conv("motion_conv3", f1, f2, padded: true, try shift(d, channels: f1, size: half, b), b)
        d = try conv("motion_conv4", f2, f2, padded: false, try shift(d, channels: f2, size: half, b), b)
        if appearance != nil {
            r = try conv("apperance_conv3", f1, f2, padded: true, r, b)
            r = try conv("apperance_conv4", f2, f2, padded: false, r, b)
        } else {
            r = d
        }
        d = try gate("apperance_att_conv2", channels: f2, motion: d, appearance: r, b)
        d = try Dropout(0.25).trace(pool.trace(d, in: b), in: b)
        d = b.node(.flatten(axis: 1), [d])
        d = b.node(.tanh, [try Named("final_dense_1", Linear(Self.denseInputs(size: size), Self.dense)).trace(d, in: b)])
        d = try Dropout(0.5).trace(d, in: b)
        return try Named("final_dense_2", Linear(Self.dense, 1)).trace(d, in: b)
    }
}
