import NN

/// rPPG-Toolbox `iBVPNet` (in_channels 3), key for key with `neural_methods/model/iBVPNet.py`
/// (twin in Tools/pytorch_zoo.py): `torch.diff` over time, InstanceNorm3d, a 3-D conv encoder, a
/// transposed-conv decoder, AdaptiveMaxPool3d((T, 1, 1)) and a 1×1×1 conv. As the toolbox's
/// iBVPNetTrainer, the last frame is repeated first, so `[N, 3, T, S, S]` gives `[N, T]`. Every
/// block is Conv3d (with bias) → Tanh → InstanceNorm3d (affine off, no keys). S must leave a 1×1
/// decoder output (64 or 72 pixels; the toolbox uses 72).
struct IBVPNetModel: Layer {
    static let nf = [8, 16, 24, 40, 64]

    static func block(_ cin: Int, _ cout: Int, _ kernel: [Int], padding: [Int]) -> Layer {
        Named("conv_block_3d", Sequential([Conv3d(cin, cout, kernel, padding: padding), Tanh(), InstanceNorm3d(cout)]))
    }

    /// The toolbox's DeConvBlock3D: its `padding` goes to both convs, so the temporal
    /// ConvTranspose3d (k, 1, 1) also trims 2 pixels of space and the spatial Conv3d (1, 3, 3)
    /// also pads 2 frames at each end of time.
    static func deconvBlock(_ cin: Int, _ cout: Int) -> Layer {
        let p = [2, 1, 1]
        return Named("deconv_block_3d", Sequential([
            ConvTranspose3d(cin, cin, [7, 1, 1], stride: [2, 1, 1], padding: p), Tanh(), InstanceNorm3d(cin),
            Conv3d(cin, cout, [1, 3, 3], stride: [1, 2, 2], padding: p), Tanh(), InstanceNorm3d(cout),
        ]))
    }

    func trace(_ x: String, in b: GraphBuilder) throws -> String {
        let nf = Self.nf, t = try b.shape(of: x)[2]
        let spatialPool = MaxPool3d([1, 2, 2], stride: [1, 2, 2])
        let space = [0, 1, 1], cube = [1, 1, 1]
        let spatioTemporal = Sequential([
            Self.block(3, nf[0], [1, 3, 3], padding: space), Self.block(nf[0], nf[1], [3, 3, 3], padding: cube), spatialPool,
            Self.block(nf[1], nf[2], [1, 3, 3], padding: space), Self.block(nf[2], nf[3], [3, 3, 3], padding: cube), spatialPool,
            Self.block(nf[3], nf[4], [1, 3, 3], padding: space), Self.block(nf[4], nf[4], [3, 3, 3], padding: cube),
        ])
        func temporal(_ k: Int) -> [Layer] {
            [Self.block(nf[4], nf[4], [k, 1, 1], padding: [k / 2, 0, 0]), Self.block(nf[4], nf[4], [k, 3, 3], padding: [k / 2, 1, 1])]
        }
        let temporalEncoder = Sequential(temporal(11) + [MaxPool3d([2, 2, 2], stride: [2, 2, 2])]
                                         + temporal(11) + [MaxPool3d([2, 2, 2], stride: [2, 1, 1])] + temporal(7))
        let encoder = Lambda { x, b in
            try Named("temporal_encoder", temporalEncoder).trace(try Named("spatio_temporal_encoder", spatioTemporal).trace(x, in: b), in: b)
        }
        // torch.diff over time of the input with its last frame repeated (the trainer's padding).
        let padded = b.concat([x, b.slice(x, axis: 2, start: t - 1, end: t)], axis: 2)
        var v = b.sub(b.slice(padded, axis: 2, start: 1, end: t + 1), b.slice(padded, axis: 2, start: 0, end: t))
        v = try Named("norm", InstanceNorm3d(3)).trace(v, in: b)
        // Sequential's children 0–3: encoder_block, decoder_block, the pool (no keys), the head.
        v = try Named("ibvpnet", Sequential([
            encoder,
            Named("decoder_block", Sequential([Self.deconvBlock(nf[4], nf[3]), Self.deconvBlock(nf[3], nf[2])])),
            AdaptiveMaxPool([t, 1, 1]),
            Conv3d(nf[2], 1, [1, 1, 1]),
        ])).trace(v, in: b)
        return b.reshape(v, [-1, t])
    }
}
