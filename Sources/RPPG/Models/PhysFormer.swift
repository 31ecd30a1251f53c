import NN
import TensorCore

/// rPPG-Toolbox `ViT_ST_ST_Compact3_TDC_gra_sharp` (PhysFormer), key for key with
/// `neural_methods/model/PhysFormer.py` (twin in Tools/pytorch_physformer.py): a 3-D conv stem
/// (÷8 in space), a patch-embedding conv, three transformers of temporal-difference attention and
/// depthwise spatio-temporal feed-forward blocks, two ×2 temporal upsamplings, a mean over space
/// and a Conv1d. `[N, 3, T, 32·patch, 32·patch]` gives `[N, T]`; the toolbox's forward fixes the
/// token grid at (T/4)×4×4, so patch 4 and 128 pixels, T a multiple of 4.
struct PhysFormerModel: Layer {
    /// The hyper-parameters; the defaults are the toolbox configs' (PHYSFORMER: PATCH_SIZE 4,
    /// DIM 96, FF_DIM 144, NUM_HEADS 4, NUM_LAYERS 12, THETA 0.7) and its trainer's gra_sharp 2.
    struct Config: Equatable, Sendable {
        var patch = 4, dim = 96, ffDim = 144, heads = 4, layers = 12
        var theta: Float = 0.7, graSharp: Float = 2

        /// The frame side the fixed 4×4 token grid implies.
        var inputSize: Int { 32 * patch }

        /// What the state dict's shapes say (heads, theta and gra_sharp are not in it: defaults).
        init(shapes: [String: [Int]]) {
            if let w = shapes["patch_embedding.weight"], w.count == 5 { dim = w[0]; patch = w[2] }
            if let w = shapes["transformer1.blocks.0.pwff.fc1.0.weight"], w.count == 5 { ffDim = w[0] }
            let blocks = Set(shapes.keys.compactMap { k -> String? in
                let parts = k.split(separator: ".")
                return parts.count > 3 && parts[0] == "transformer1" && parts[1] == "blocks" ? String(parts[2]) : nil
            })
            if !blocks.isEmpty { layers = 3 * blocks.count }
        }

        init() {}
    }

    var config: Config

    /// `[B, P, C]` tokens as the `[B, C, P/16, 4, 4]` volume the convs of a block read.
    static func volume(_ x: String, _ b: GraphBuilder) throws -> String {
        let s = try b.shape(of: x)
        return b.reshape(b.permute(x, [0, 2, 1]), [s[0], s[2], s[1] / 16, 4, 4])
    }

    static func tokens(_ x: String, _ b: GraphBuilder) throws -> String {
        let s = try b.shape(of: x)
        return b.permute(b.reshape(x, [s[0], s[1], -1]), [0, 2, 1])
    }

    /// MultiHeadedSelfAttention_TDC_gra_sharp: Q and K are CDC_T convs (`proj_q.0.conv`) + BatchNorm;
    /// ModelZoo.graph folds the central difference into their weights (`foldCentralDifference`).
    func attention(_ x: String, _ graSharp: String, _ b: GraphBuilder) throws -> String {
        let s = try b.shape(of: x), (n, p, c, h) = (s[0], s[1], s[2], config.heads)
        let v3 = try Self.volume(x, b)
        func projection(_ name: String, difference: Bool) throws -> String {
            let conv: Layer = difference ? Named("conv", Conv3d(c, c, [3, 3, 3], padding: [1, 1, 1], bias: false))
                                         : Conv3d(c, c, [1, 1, 1], bias: false)
            let layers: [Layer] = difference ? [conv, BatchNorm3d(c)] : [conv]
            // [B, C, T', 4, 4] → [B, H, C/H, P]: channel c is head c / (C/H), as split_last splits it.
            return b.reshape(try Named(name, Sequential(layers)).trace(v3, in: b), [n, h, c / h, p])
        }
        let q = b.permute(try projection("proj_q", difference: true), [0, 1, 3, 2])
        let kT = try projection("proj_k", difference: true)
        let v = b.permute(try projection("proj_v", difference: false), [0, 1, 3, 2])
        let scores = b.node(.softmax(axis: -1), [b.div(b.node(.matMul, [q, kT]), graSharp)])
        return b.reshape(b.permute(b.node(.matMul, [scores, v]), [0, 2, 1, 3]), [n, p, c])
    }

    /// PositionWiseFeedForward_ST: 1×1×1 conv, depthwise 3×3×3 conv, 1×1×1 conv, each with BatchNorm.
    func feedForward(_ x: String, _ b: GraphBuilder) throws -> String {
        let (c, f) = (config.dim, config.ffDim)
        var y = try Self.volume(x, b)
        for layer in [
            Named("fc1", Sequential([Conv3d(c, f, [1, 1, 1], bias: false), BatchNorm3d(f), ELU()])),
            Named("STConv", Sequential([Conv3d(f, f, [3, 3, 3], padding: [1, 1, 1], groups: f, bias: false), BatchNorm3d(f), ELU()])),
            Named("fc2", Sequential([Conv3d(f, c, [1, 1, 1], bias: false), BatchNorm3d(c)])),
        ] { y = try layer.trace(y, in: b) }
        return try Self.tokens(y, b)
    }

    /// Block_ST_TDC_gra_sharp: pre-norm attention (LayerNorm eps 1e-6) and a Linear, then the feed-forward.
    func block(_ x: String, _ graSharp: String, _ b: GraphBuilder) throws -> String {
        let s = try b.shape(of: x), c = config.dim
        let normed = try Named("norm1", LayerNorm(c, epsilon: 1e-6)).trace(x, in: b)
        let a = try b.scope("attn") { try attention(normed, graSharp, b) }
        // nn.Linear on [B, P, C]: as a Gemm over the B·P rows.
        let projected = try Named("proj", Linear(c, c)).trace(b.reshape(a, [-1, c]), in: b)
        let x1 = b.add(x, b.reshape(projected, s))
        let normed2 = try Named("norm2", LayerNorm(c, epsilon: 1e-6)).trace(x1, in: b)
        return b.add(x1, try b.scope("pwff") { try feedForward(normed2, b) })
    }

    /// nn.Upsample(scale_factor=(2, 1, 1)), nearest: every frame twice, as concat then reshape.
    static func upsampleTime(_ x: String, _ b: GraphBuilder) throws -> String {
        var s = try b.shape(of: x)
        let u = b.node(.unsqueeze(axes: [3]), [x])
        s[2] *= 2
        return b.reshape(b.concat([u, u], axis: 3), s)
    }

    func trace(_ x: String, in b: GraphBuilder) throws -> String {
        let c = config.dim, p = config.patch, t = try b.shape(of: x)[2]
        func stem(_ name: String, _ cin: Int, _ cout: Int, _ k: [Int], _ pad: [Int]) -> Layer {
            Named(name, Sequential([Conv3d(cin, cout, k, padding: pad), BatchNorm3d(cout), ReLU(),
                                    MaxPool3d([1, 2, 2], stride: [1, 2, 2])]))
        }
        var v = x
        for layer in [stem("Stem0", 3, c / 4, [1, 5, 5], [0, 2, 2]), stem("Stem1", c / 4, c / 2, [3, 3, 3], [1, 1, 1]),
                      stem("Stem2", c / 2, c, [3, 3, 3], [1, 1, 1])] { v = try layer.trace(v, in: b) }
        v = try Named("patch_embedding", Conv3d(c, c, [p, p, p], stride: [p, p, p])).trace(v, in: b)
        let grid = try b.shape(of: v)
        guard grid.count == 5, grid[3] == 4, grid[4] == 4, grid[2] * 4 == t else {
            throw ZooShapeError(message: "physformer's token grid must be (T/4)×4×4 (patch \(p): frames of "
                                + "\(config.inputSize) pixels, T a multiple of 4); got \(Array(grid.dropFirst(2))).")
        }
        let graSharp = b.constant("gra_sharp", Tensor(shape: [1], scalars: [config.graSharp]))
        v = try Self.tokens(v, b)
        for i in 1...3 {
            for j in 0..<(config.layers / 3) {
                v = try b.scope("transformer\(i)") { try b.scope("blocks") { try b.scope(String(j)) { try block(v, graSharp, b) } } }
            }
        }
        v = b.reshape(b.permute(v, [0, 2, 1]), [grid[0], c, t / 4, 4, 4])
        for (name, cout) in [("upsample", c), ("upsample2", c / 2)] {
            // Child 0 of the toolbox's Sequential is the Upsample (no keys).
            let conv = Sequential([Lambda { x, b in try Self.upsampleTime(x, b) },
                                   Conv3d(try b.shape(of: v)[1], cout, [3, 1, 1], padding: [1, 0, 0]), BatchNorm3d(cout), ELU()])
            v = try Named(name, conv).trace(v, in: b)
        }
        v = try Named("ConvBlockLast", Conv1d(c / 2, 1, 1)).trace(b.mean(v, axes: [3, 4], keepDims: false), in: b)
        return b.reshape(v, [-1, t])
    }

    /// CDC_T's `conv(x, w) − θ·conv1×1×1(x, Σ taps 0 and 2 of w over space)` as one conv: with
    /// padding 1 and stride 1 the 1×1×1 conv reads exactly the input the centre tap reads, so
    /// subtracting θ·Σ from w's centre tap is the same linear map. Taps 0 and 2 are unchanged.
    static func foldCentralDifference(_ w: Tensor, theta: Float) -> Tensor {
        Tensor(shape: w.shape, scalars: foldCentralDifference(w.toFloat32().floatValues(), theta: theta))
    }

    /// The fold on `[Cout, Cin, 3, 3, 3]` weights, flat: per (out, in) pair of 27 taps, the centre
    /// (13) loses θ·Σ of the 18 taps of temporal offsets 0 and 2.
    static func foldCentralDifference(_ w: [Float], theta: Float) -> [Float] {
        var values = w
        for base in stride(from: 0, to: w.count, by: 27) {
            var diff: Float = 0
            for i in 0..<9 { diff += values[base + i] }
            for i in 0..<9 { diff += values[base + 18 + i] }
            values[base + 13] -= theta * diff
        }
        return values
    }

    /// The transpose of the fold, which takes the gradient of the folded weights to that of the
    /// state dict's: the centre's stays, each tap of offsets 0 and 2 adds −θ·(the centre's).
    static func centralDifferenceGradient(_ g: [Float], theta: Float) -> [Float] {
        var values = g
        for base in stride(from: 0, to: g.count, by: 27) {
            let centre = theta * g[base + 13]
            for i in 0..<9 { values[base + i] -= centre }
            for i in 0..<9 { values[base + 18 + i] -= centre }
        }
        return values
    }

    static func isCentralDifference(_ key: String, _ shape: [Int]) -> Bool {
        (key.hasSuffix(".proj_q.0.conv.weight") || key.hasSuffix(".proj_k.0.conv.weight"))
            && shape.count == 5 && shape.suffix(3) == [3, 3, 3]
    }

    /// The weights with every CDC_T (`*.proj_q.0.conv.weight`, `*.proj_k.0.conv.weight`) folded.
    static func folded(_ weights: [String: Tensor], theta: Float) -> [String: Tensor] {
        var out = weights
        for (k, w) in weights where isCentralDifference(k, w.shape) {
            out[k] = foldCentralDifference(w, theta: theta)
        }
        return out
    }

    /// Keys in PyTorch's registration order (the toolbox declares patch_embedding and the
    /// transformers before the stems; a block's attn and proj before norm1), which the trace,
    /// input first, does not follow.
    static func pytorchOrder(_ keys: [String]) -> [String] {
        let top = ["patch_embedding", "transformer1", "transformer2", "transformer3", "Stem0", "Stem1", "Stem2",
                   "upsample", "upsample2", "ConvBlockLast"]
        let inBlock = ["attn", "proj", "norm1", "pwff", "norm2"]
        func rank(_ k: String) -> [Int] {
            let p = k.split(separator: ".").map(String.init)
            return [top.firstIndex(of: p[0]) ?? top.count, p.count > 3 ? Int(p[2]) ?? 0 : 0,
                    p.count > 3 ? inBlock.firstIndex(of: p[3]) ?? inBlock.count : 0]
        }
        return keys.enumerated().sorted { a, b in
            let (x, y) = (rank(a.element), rank(b.element))
            return x != y ? x.lexicographicallyPrecedes(y) : a.offset < b.offset
        }.map(\.element)
    }
}
