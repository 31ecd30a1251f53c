/// Geometry of an int8 convolution (1-, 2- or 3-D, NC[D][H]W), normalised to three spatial axes
/// by prepending size-1 axes, so one kernel covers Conv1d/2d/3d.
public struct Int8ConvShape: Sendable, Equatable {
    public var batch: Int
    public var inChannels: Int
    public var outChannels: Int
    public var groups: Int
    /// Spatial sizes, always three (depth, height, width).
    public var input: [Int]
    public var kernel: [Int]
    public var stride: [Int]
    public var padsBegin: [Int]
    public var dilation: [Int]
    public var output: [Int]

    /// `input`, `kernel`, … have the conv's own spatial rank (1…3); `padsEnd` defaults to `padsBegin`.
    public init(batch: Int, inChannels: Int, outChannels: Int, input: [Int], kernel: [Int],
                stride: [Int]? = nil, padsBegin: [Int]? = nil, padsEnd: [Int]? = nil,
                dilation: [Int]? = nil, groups: Int = 1) {
        let r = kernel.count
        precondition((1...3).contains(r) && input.count == r, "conv rank must be 1…3 with matching input")
        precondition(groups >= 1 && inChannels % groups == 0 && outChannels % groups == 0,
                     "channels \(inChannels)→\(outChannels) not divisible by groups \(groups)")
        func lift(_ v: [Int]?, _ fill: Int) -> [Int] {
            let v = v ?? Array(repeating: fill, count: r)
            return Array(repeating: fill == 0 ? 0 : 1, count: 3 - r) + v
        }
        self.batch = batch
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.groups = groups
        self.input = Array(repeating: 1, count: 3 - r) + input
        self.kernel = Array(repeating: 1, count: 3 - r) + kernel
        self.stride = lift(stride, 1)
        self.padsBegin = lift(padsBegin, 0)
        let end = lift(padsEnd ?? padsBegin, 0)
        self.dilation = lift(dilation, 1)
        var out = [Int](repeating: 0, count: 3)
        for a in 0..<3 {
            let span = self.dilation[a] * (self.kernel[a] - 1) + 1
            out[a] = (self.input[a] + self.padsBegin[a] + end[a] - span) / self.stride[a] + 1
        }
        precondition(out.allSatisfy { $0 >= 1 }, "conv output would be empty: input \(input), kernel \(kernel)")
        self.output = out
    }

    /// Reduction length of one output: `inChannels/groups · kd · kh · kw`.
    public var reduction: Int { inChannels / groups * kernel[0] * kernel[1] * kernel[2] }
    /// Output positions per channel.
    public var outputPositions: Int { output[0] * output[1] * output[2] }
    /// Input positions per channel.
    public var inputPositions: Int { input[0] * input[1] * input[2] }
    /// Multiply-accumulates of one forward pass (for GOPS figures: 2 ops each).
    public var macs: Int { batch * outChannels * outputPositions * reduction }
}
