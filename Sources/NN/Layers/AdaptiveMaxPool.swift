/// PyTorch `nn.AdaptiveMaxPool1d/2d/3d` to a fixed output size of the trailing axes.
///
/// ONNX has no adaptive pooling, and PyTorch's windows (`[⌊i·n/m⌋, ⌈(i+1)·n/m⌉)`) are uneven when
/// the input length n is not a multiple of the output length m (iBVPNet pools T + 15 decoder
/// frames to T). So it is traced as ops every path already has: on each uneven axis a Gather lists
/// every window's indices, padded to the longest window by repeating its last index (a repeat
/// cannot change a maximum), then one MaxPool whose kernel and stride are that window length
/// (n/m on even axes). Exact in FP32 and int8 (a max of int8 values is the int8 of the max), and
/// its gradient reaches each window's first maximum, as PyTorch's does.
public struct AdaptiveMaxPool: Layer {
    public var outputSize: [Int]
    public init(_ outputSize: [Int]) { self.outputSize = outputSize }

    /// PyTorch's window `[start, end)` of output `i` for input length `n` and output length `m`.
    public static func window(_ i: Int, input n: Int, output m: Int) -> Range<Int> {
        (i * n / m)..<(((i + 1) * n + m - 1) / m)
    }

    public func trace(_ x: String, in b: GraphBuilder) throws -> String {
        let shape = try b.shape(of: x)
        let lead = shape.count - outputSize.count
        guard lead >= 1, zip(shape[lead...], outputSize).allSatisfy({ $0 >= $1 && $1 > 0 }) else {
            throw ShapeInference.ShapeError(node: "AdaptiveMaxPool", op: "AdaptiveMaxPool",
                                            message: "cannot pool \(shape) to \(outputSize) (each output length must be 1…input)")
        }
        var v = x
        var kernel: [Int] = []
        for (j, (n, m)) in zip(shape[lead...], outputSize).enumerated() {
            if n % m == 0 { kernel.append(n / m); continue }
            let windows = (0..<m).map { Self.window($0, input: n, output: m) }
            let k = windows.map(\.count).max()!
            let indices = windows.flatMap { w in Array(w) + Array(repeating: w.upperBound - 1, count: k - w.count) }
            v = b.gather(v, axis: lead + j, indices: indices)
            kernel.append(k)
        }
        return kernel.allSatisfy({ $0 == 1 }) ? v : b.node(.maxPool(PoolAttributes(kernel: kernel)), [v])
    }
}
