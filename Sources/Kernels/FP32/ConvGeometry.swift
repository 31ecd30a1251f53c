/// The shape of one N-d convolution (1-, 2- or 3-D), normalised to 3-D by prepending unit axes,
/// so that one kernel serves Conv1d/2d/3d. Layout is NC(D)(H)W, weights `[Cout, Cin/groups, k...]`.
public struct ConvGeometry: Hashable, Sendable {
    public var batch: Int
    public var inChannels: Int
    public var outChannels: Int
    public var groups: Int
    /// Input spatial size (d, h, w).
    public var input: [Int]
    /// Output spatial size (d, h, w).
    public var output: [Int]
    public var kernel: [Int]
    public var stride: [Int]
    public var padsBegin: [Int]
    public var dilation: [Int]

    /// Builds the 3-D form of an N-d convolution. `padsEnd` only determines the output size.
    public init(batch: Int, inChannels: Int, outChannels: Int, groups: Int, inputSpatial: [Int],
                kernel: [Int], stride: [Int], padsBegin: [Int], padsEnd: [Int], dilation: [Int]) {
        let lift = { (v: [Int], fill: Int) in Array(repeating: fill, count: 3 - v.count) + v }
        self.batch = batch
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.groups = groups
        self.input = lift(inputSpatial, 1)
        self.kernel = lift(kernel, 1)
        self.stride = lift(stride, 1)
        self.padsBegin = lift(padsBegin, 0)
        self.dilation = lift(dilation, 1)
        let end = lift(padsEnd, 0)
        let (i, k, s, p, d) = (self.input, self.kernel, self.stride, self.padsBegin, self.dilation)
        self.output = (0..<3).map { a in (i[a] + p[a] + end[a] - d[a] * (k[a] - 1) - 1) / s[a] + 1 }
    }

    /// The forward convolution that a transposed convolution from `input` `[N, Cin_t, …]` to
    /// `output` `[N, Cout_t, …]` transposes: its input is the transposed one's output and vice
    /// versa (so output padding, already in `output`, needs no attribute of its own).
    public init(transposeFrom input: [Int], to output: [Int], groups: Int, kernel: [Int], stride: [Int],
                padsBegin: [Int], padsEnd: [Int], dilation: [Int]) {
        self.init(batch: input[0], inChannels: output[1], outChannels: input[1], groups: groups,
                  inputSpatial: Array(output.dropFirst(2)), kernel: kernel, stride: stride, padsBegin: padsBegin,
                  padsEnd: padsEnd, dilation: dilation)
        self.output = Array(repeating: 1, count: 3 - (input.count - 2)) + Array(input.dropFirst(2))
    }

    public var inGroupChannels: Int { inChannels / groups }
    public var outGroupChannels: Int { outChannels / groups }
    public var kernelVolume: Int { kernel[0] * kernel[1] * kernel[2] }
    public var inputVolume: Int { input[0] * input[1] * input[2] }
    public var outputVolume: Int { output[0] * output[1] * output[2] }
    /// Rows of the im2col matrix of one group.
    public var patchSize: Int { inGroupChannels * kernelVolume }
    /// True when the convolution is a plain matrix product (1×1×1, stride 1, no padding).
    public var isPointwise: Bool {
        kernelVolume == 1 && stride == [1, 1, 1] && padsBegin == [0, 0, 0] && input == output
    }
    /// Multiply-accumulates of one forward pass.
    public var macs: Int { batch * outChannels * outputVolume * patchSize }
}
