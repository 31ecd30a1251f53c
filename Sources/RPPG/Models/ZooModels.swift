import NN

/// The TinyPulse definition (issue 3): stem, two 3-D conv blocks with spatial average pooling,
/// a spatial mean, then a 1×1×1 head. Input `[N, 3, T, H, W]`, output `[N, T]`.
struct TinyPulseModel: Layer {
    static func block(_ cin: Int, _ cout: Int, kernel: [Int], padding: [Int]) -> Sequential {
        Sequential([Conv3d(cin, cout, kernel, padding: padding, bias: false), BatchNorm3d(cout), ReLU()])
    }

    func trace(_ x: String, in b: GraphBuilder) throws -> String {
        var v = try Named("stem", Self.block(3, 8, kernel: [1, 5, 5], padding: [0, 2, 2])).trace(x, in: b)
        v = try AvgPool3d([1, 2, 2]).trace(v, in: b)
        v = try Named("block2", Self.block(8, 16, kernel: [3, 3, 3], padding: [1, 1, 1])).trace(v, in: b)
        v = try AvgPool3d([1, 2, 2]).trace(v, in: b)
        v = try Named("block3", Self.block(16, 32, kernel: [3, 3, 3], padding: [1, 1, 1])).trace(v, in: b)
        v = b.mean(v, axes: [3, 4], keepDims: true)
        v = try Named("head", Conv3d(32, 1, [1, 1, 1])).trace(v, in: b)
        return b.reshape(v, [0, -1])
    }
}

/// rPPG-Toolbox `PhysNet_padding_Encoder_Decoder_MAX`, key for key (REFERENCE.md §4).
/// `frames` is the AdaptiveAvgPool3d target (the toolbox's constructor argument), equal to T.
struct PhysNetModel: Layer {
    var frames: Int

    static func block(_ cin: Int, _ cout: Int, kernel: [Int], padding: [Int]) -> Sequential {
        Sequential([Conv3d(cin, cout, kernel, padding: padding), BatchNorm3d(cout), ReLU()])
    }

    func trace(_ x: String, in b: GraphBuilder) throws -> String {
        let spatialPool = MaxPool3d([1, 2, 2], stride: [1, 2, 2])
        let spaceTimePool = MaxPool3d([2, 2, 2], stride: [2, 2, 2])
        var v = try Named("ConvBlock1", Self.block(3, 16, kernel: [1, 5, 5], padding: [0, 2, 2])).trace(x, in: b)
        v = try spatialPool.trace(v, in: b)
        v = try Named("ConvBlock2", Self.block(16, 32, kernel: [3, 3, 3], padding: [1, 1, 1])).trace(v, in: b)
        v = try Named("ConvBlock3", Self.block(32, 64, kernel: [3, 3, 3], padding: [1, 1, 1])).trace(v, in: b)
        v = try spaceTimePool.trace(v, in: b)
        for i in 4...9 {
            v = try Named("ConvBlock\(i)", Self.block(64, 64, kernel: [3, 3, 3], padding: [1, 1, 1])).trace(v, in: b)
            if i == 5 { v = try spaceTimePool.trace(v, in: b) }
            if i == 7 { v = try spatialPool.trace(v, in: b) }
        }
        for name in ["upsample", "upsample2"] {
            let up = Sequential([ConvTranspose3d(64, 64, [4, 1, 1], stride: [2, 1, 1], padding: [1, 0, 0]),
                                 BatchNorm3d(64), ELU()])
            v = try Named(name, up).trace(v, in: b)
        }
        v = try AdaptiveAvgPool([frames, 1, 1]).trace(v, in: b)
        v = try Named("ConvBlock10", Conv3d(64, 1, [1, 1, 1])).trace(v, in: b)
        return b.reshape(v, [-1, frames])
    }
}

/// rPPG-Toolbox `FactorizePhys` (nf = [8, 12, 16], RGB input), inference path with FSAM off.
/// As the toolbox's trainer, the last frame is repeated before the temporal difference, so
/// `[N, 3, T, 72, 72]` gives `[N, T]`.
struct FactorizePhysModel: Layer {
    static let nf = [8, 12, 16]
    /// FSAM's parameters: present in toolbox checkpoints, unused at inference.
    static let fsamKeys: [(key: String, shape: [Int])] = [
        ("rppg_head.fsam.pre_conv_block.0.weight", [8, 16, 1, 1, 1]),
        ("rppg_head.fsam.pre_conv_block.0.bias", [8]),
        ("rppg_head.fsam.post_conv_block.0.conv.weight", [8, 8, 1, 1, 1]),
        ("rppg_head.fsam.post_conv_block.1.weight", [16, 8, 1, 1, 1]),
    ]

    /// Conv3d(bias off) → Tanh → InstanceNorm3d, keys under `conv_block_3d.0`.
    static func block(_ cin: Int, _ cout: Int, stride: [Int], padding: [Int]) -> Layer {
        Named("conv_block_3d", Sequential([Conv3d(cin, cout, [3, 3, 3], stride: stride, padding: padding, bias: false),
                                           Tanh(), InstanceNorm3d(cout)]))
    }

    func trace(_ x: String, in b: GraphBuilder) throws -> String {
        let nf = Self.nf
        let t = b.inputs.first { $0.name == x }?.shape[2] ?? 0
        // torch.diff over time of the input with its last frame repeated.
        let padded = b.concat([x, b.slice(x, axis: 2, start: t - 1, end: t)], axis: 2)
        var v = b.sub(b.slice(padded, axis: 2, start: 1, end: t + 1), b.slice(padded, axis: 2, start: 0, end: t))
        v = try Named("norm", InstanceNorm3d(3)).trace(v, in: b)
        let s1 = [1, 1, 1], s2 = [1, 2, 2], p0 = [1, 0, 0]
        let extractor = Sequential([
            Self.block(3, nf[0], stride: s1, padding: [1, 1, 1]),
            Self.block(nf[0], nf[1], stride: s2, padding: p0),
            Self.block(nf[1], nf[1], stride: s1, padding: p0),
            Dropout(0.1),
            Self.block(nf[1], nf[1], stride: s1, padding: p0),
            Self.block(nf[1], nf[2], stride: s2, padding: p0),
            Self.block(nf[2], nf[2], stride: s1, padding: p0),
            Dropout(0.1),
        ])
        v = try Named("rppg_feature_extractor", Named("FeatureExtractor", extractor)).trace(v, in: b)
        let convBlock = Sequential([Self.block(nf[2], nf[2], stride: s1, padding: p0),
                                    Self.block(nf[2], nf[2], stride: s1, padding: p0),
                                    Self.block(nf[2], nf[2], stride: s1, padding: p0), Dropout(0.1)])
        let finalLayer = Sequential([Self.block(nf[2], nf[1], stride: s1, padding: p0),
                                     Self.block(nf[1], nf[0], stride: s1, padding: p0),
                                     Conv3d(nf[0], 1, [3, 3, 3], padding: p0, bias: false)])
        v = try b.scope("rppg_head") {
            let c = try Named("conv_block", convBlock).trace(v, in: b)
            return try Named("final_layer", finalLayer).trace(c, in: b)
        }
        return b.reshape(v, [-1, t])
    }
}
