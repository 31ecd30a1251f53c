import NN
import TensorCore

/// TinyPulse2D (issue 15, item 4): TinyPulse's input and output with 2-D operators only, so that
/// an STM32N6 can place it on the Neural-ART NPU (which runs Conv2D and 1-D/2-D pooling, and
/// nothing documented in 3-D). Frames move into the batch for a per-frame Conv2D stem and two
/// blocks; the spatial mean is a GlobalAveragePool; time is then mixed by (k×1) Conv2D kernels
/// over a `[N, C, T, 1]` tensor. Input `[N, 3, T, H, W]`, output `[N, T]`.
/// Twin: `TinyPulse2D` in Tools/pytorch_zoo.py (same keys).
struct TinyPulse2DModel: Layer {
    /// Channel widths of the stem and the two spatial blocks.
    static let widths = [8, 16, 32]
    /// Temporal kernel of the two time-mixing layers (receptive field 2·(k−1)+1 = 9 frames).
    static let temporalKernel = 5

    static func block(_ cin: Int, _ cout: Int, kernel: [Int], padding: [Int]) -> Sequential {
        Sequential([Conv2d(cin, cout, kernel, padding: padding, bias: false), BatchNorm2d(cout), ReLU()])
    }

    func trace(_ x: String, in b: GraphBuilder) throws -> String {
        guard let shape = b.inputs.first(where: { $0.name == x })?.shape, shape.count == 5 else {
            throw ModelShapeError("TinyPulse2D needs an input [N, 3, T, H, W]")
        }
        let (t, h, w) = (shape[2], shape[3], shape[4])
        let c = Self.widths, k = Self.temporalKernel
        // [N, 3, T, H, W] → [N·T, 3, H, W]: every frame is one image of the batch.
        var v = b.reshape(b.permute(x, [0, 2, 1, 3, 4]), [-1, 3, h, w])
        v = try Named("stem", Self.block(3, c[0], kernel: [5, 5], padding: [2, 2])).trace(v, in: b)
        v = try AvgPool2d([2, 2]).trace(v, in: b)
        v = try Named("block2", Self.block(c[0], c[1], kernel: [3, 3], padding: [1, 1])).trace(v, in: b)
        v = try AvgPool2d([2, 2]).trace(v, in: b)
        v = try Named("block3", Self.block(c[1], c[2], kernel: [3, 3], padding: [1, 1])).trace(v, in: b)
        v = try GlobalAvgPool().trace(v, in: b)
        // [N·T, C, 1, 1] → [N, T, C, 1] → [N, C, T, 1]: time becomes the height of one image.
        v = b.permute(b.reshape(v, [-1, t, c[2], 1]), [0, 2, 1, 3])
        v = try Named("time1", Self.block(c[2], c[2], kernel: [k, 1], padding: [k / 2, 0])).trace(v, in: b)
        v = try Named("time2", Self.block(c[2], c[2], kernel: [k, 1], padding: [k / 2, 0])).trace(v, in: b)
        v = try Named("head", Conv2d(c[2], 1, [1, 1])).trace(v, in: b)
        return b.reshape(v, [-1, t])
    }
}

/// A model traced on an input of the wrong rank.
struct ModelShapeError: UserFacingError {
    var description: String
    init(_ description: String) { self.description = description }
}
