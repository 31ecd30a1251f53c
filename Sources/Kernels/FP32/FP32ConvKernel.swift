import TensorCore

/// The fast FP32 convolution of one geometry, chosen as the FP32 executor chooses: the direct
/// kernel where it applies (``FP32DirectConv/supports(_:)``), else im2col/vol2col + sgemm
/// (``FP32Conv``). For callers that run a float convolution outside the FP32 executor (the int8
/// engine's float fallback, e.g. a layer `--exclude`/`--auto-exclude` left in float), so that a
/// float layer costs what it costs in FP32 and not what the plain reference loop costs.
public final class FP32ConvKernel {
    public let geometry: ConvGeometry
    private let direct: FP32DirectConv?
    /// The weights for the sgemm path (the direct kernel packs its own copy).
    private let weight: [Float]

    /// Scratch floats ``run(x:bias:y:scratch:threads:)`` needs with `threads` workers.
    public static func scratchFloats(_ g: ConvGeometry, threads: Int) -> Int {
        FP32DirectConv.supports(g) ? FP32DirectConv.scratchFloats(g, threads: threads) : threads * FP32Conv.scratchFloats(g)
    }

    /// `weight` is `[Cout, Cin/groups, k…]` as in ONNX.
    public init(_ g: ConvGeometry, weight: [Float]) {
        geometry = g
        if FP32DirectConv.supports(g) {
            direct = weight.withUnsafeBufferPointer { FP32DirectConv(g, weight: $0.baseAddress!) }
            self.weight = []
        } else {
            direct = nil
            self.weight = weight
        }
    }

    /// `y = conv(x, w) + bias`; `scratch` holds `scratchFloats(geometry, threads:)` floats.
    public func run(x: UnsafePointer<Float>, bias: UnsafePointer<Float>?, y: UnsafeMutablePointer<Float>,
                    scratch: UnsafeMutablePointer<Float>, threads: Int) {
        if let direct {
            direct.run(x: x, bias: bias, y: y, activation: nil, scratch: scratch, threads: threads)
        } else {
            weight.withUnsafeBufferPointer {
                FP32Conv.conv(geometry, x: x, weight: $0.baseAddress!, bias: bias, y: y, scratch: scratch, threads: threads)
            }
        }
    }
}
