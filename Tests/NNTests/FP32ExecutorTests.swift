import Foundation
import NN
import TensorCore
import Testing
import TorchIO

/// Single layers traced by the layer library and run by the FP32 executor, against PyTorch
/// (Tests/NNTests/Fixtures/ops.pt from Tools/make_nn_fixtures.py).
struct FP32ExecutorTests {
    static let ops: PickleValue = {
        let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("ops.pt")
        return try! TorchFile.load(url)
    }()

    static let layers: [String: any Layer] = [
        "conv3d_groups_dilation": Conv(4, 6, kernel: [3, 2, 3], stride: [2, 1, 2], padding: [1, 0, 1],
                                       dilation: [1, 2, 1], groups: 2),
        "conv2d_asymmetric": Named("conv", Conv(3, 4, kernel: [3, 3], stride: [2, 2], padding: [0, 1], padsEnd: [1, 2],
                                                bias: false)),
        "conv1d": Conv1d(3, 5, 5, stride: 2, padding: 2),
        "convtranspose3d": ConvTranspose(4, 6, kernel: [3, 2, 2], stride: [2, 1, 2], padding: [1, 0, 1], groups: 2),
        "maxpool3d_ceil": MaxPool([3, 3, 3], stride: [2, 2, 2], padding: [1, 1, 1], ceilMode: true),
        "avgpool2d_pad": AvgPool([3, 3], stride: [2, 2], padding: [1, 1]),
        "avgpool2d_nopad_count": AvgPool([3, 3], stride: [2, 2], padding: [1, 1], countIncludePad: false),
        "adaptiveavgpool3d": AdaptiveAvgPool([3, 2, 4]),
        "instancenorm3d_affine": InstanceNorm3d(3, affine: true),
        "batchnorm2d": BatchNorm2d(5),
        "flatten_linear": Sequential([Flatten(), Linear(60, 7)]),
        "elu": ELU(alpha: 0.7),
        "tanh_sigmoid": Sequential([Tanh(), Sigmoid()]),
    ]

    static func relativeError(_ a: Tensor, _ b: Tensor) -> Float {
        let x = a.floatValues(), y = b.floatValues()
        let maxAbs = y.map { abs($0) }.max() ?? 0
        return (zip(x, y).map { abs($0 - $1) }.max() ?? 0) / max(maxAbs, 1e-12)
    }

    @Test(arguments: layers.keys.sorted())
    func layerMatchesPyTorch(_ name: String) throws {
        let case_ = try #require(Self.ops[name])
        let x = try #require(case_["input"]?.tensor), expected = try #require(case_["output"]?.tensor)
        var weights: [String: Tensor] = [:]
        for entry in case_["state"]?.dictEntries ?? [] {
            if let k = entry.key.stringValue, let t = entry.value.tensor { weights[k] = t }
        }
        let b = GraphBuilder()
        let y = try Self.layers[name]!.trace(b.input("input", shape: x.shape), in: b)
        let graph = try b.graph(output: y, weights: weights)
        #expect(graph.outputs[0].shape == expected.shape)
        for threads in [1, 2] {
            for g in [graph, GraphPasses.optimizeForInference(graph)] {
                let out = try FP32Executor(graph: g, threads: threads).run(x)
                #expect(out.shape == expected.shape)
                let err = Self.relativeError(out, expected)
                #expect(err < 1e-5, "\(name): relative error \(err)")
            }
        }
    }

    /// Layout ops and broadcasting, against values worked out by hand.
    @Test func layoutAndBroadcastOps() throws {
        let b = GraphBuilder()
        let x = b.input("input", shape: [2, 3, 4])
        let t = b.permute(x, [2, 0, 1])                                  // [4, 2, 3]
        let s = b.slice(t, axis: 0, start: 1, end: 4, step: 2)            // rows 1 and 3: [2, 2, 3]
        let m = b.mean(s, axes: [1], keepDims: false)                     // [2, 3]
        let c = b.concat([m, m], axis: 0)                                 // [4, 3]
        let bias = b.reshape(b.slice(x, axis: 2, start: 0, end: 1), [2, 3]) // x[:, :, 0]
        let y = b.div(b.mul(b.sub(c, b.slice(bias, axis: 0, start: 0, end: 1)), c), b.add(c, c))
        let graph = try b.graph(output: y, weights: [:])
        let input = Tensor(shape: [2, 3, 4], scalars: (0..<24).map { Float($0) })
        let out = try FP32Executor(graph: graph, threads: 1).run(input).floatValues()
        // x[n, c, w] = 12n + 4c + w; t[w, n, c]; rows w = 1, 3; mean over n → 6 + 4c + w.
        var expected: [Float] = []
        let meanRows: [[Float]] = [1, 3].map { w in (0..<3).map { c in 6 + 4 * Float(c) + Float(w) } }
        let cRows = meanRows + meanRows
        let firstBias: [Float] = (0..<3).map { c in 4 * Float(c) }       // x[0, c, 0]
        for row in cRows { for c in 0..<3 { expected.append((row[c] - firstBias[c]) * row[c] / (2 * row[c])) } }
        #expect(out == expected)
    }

    @Test func quantizedOpsAreRejectedClearly() throws {
        var g = Graph(nodes: [Node(name: "q", op: .quantizeLinear(axis: 1), inputs: ["input", "s"], outputs: ["output"])],
                      inputs: [ValueInfo(name: "input", shape: [1, 2])], outputs: [ValueInfo(name: "output", shape: [1, 2])],
                      initializers: ["s": Tensor(shape: [], scalars: [Float(0.1)])])
        g.name = "q"
        let error = try #require(throws: ExecutorError.self) { try FP32Executor(graph: g) }
        #expect(error.description.contains("unsupported in the FP32 executor"))
    }

    @Test func wrongInputShapeNamesExpectedShape() throws {
        let b = GraphBuilder()
        let y = try ReLU().trace(b.input("input", shape: [1, 4]), in: b)
        let exec = try FP32Executor(graph: b.graph(output: y, weights: [:]), threads: 1)
        let error = try #require(throws: ExecutorError.self) { try exec.run(Tensor(zeros: [1, 5])) }
        #expect(error.description.contains("[1, 4]"))
    }

    @Test func passesFoldFuseAndRemove() throws {
        let b = GraphBuilder()
        let model = Sequential([Conv3d(2, 3, [3, 3, 3], padding: [1, 1, 1]), BatchNorm3d(3), ReLU(), Dropout(0.2),
                                ConvTranspose3d(3, 2, [4, 1, 1], stride: [2, 1, 1], padding: [1, 0, 0]), BatchNorm3d(2),
                                ELU()])
        let y = try model.trace(b.input("input", shape: [1, 2, 4, 5, 5]), in: b)
        var seed: UInt64 = 3
        func random(_ shape: [Int], positive: Bool = false) -> Tensor {
            Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ -> Float in
                seed = seed &* 6364136223846793005 &+ 1442695040888963407
                let u = Float(seed >> 40) / Float(1 << 24)
                return positive ? 0.5 + u : u * 2 - 1
            })
        }
        var weights: [String: Tensor] = [:]
        for p in b.parameters {
            weights[p.key] = p.key.hasSuffix("running_var") ? random(p.shape, positive: true)
                : p.shape.isEmpty ? Tensor(shape: [], scalars: [Int64(0)]) : random(p.shape)
        }
        let graph = try b.graph(output: y, weights: weights)
        let optimized = GraphPasses.optimizeForInference(graph)
        #expect(optimized.opHistogram["BatchNormalization"] == nil)
        #expect(optimized.opHistogram["Dropout"] == nil)
        #expect(optimized.opHistogram["Relu"] == nil && optimized.opHistogram["Elu"] == nil)
        #expect(optimized.nodes.compactMap(\.fusedActivation) == [.relu, .elu(alpha: 1)])
        let x = random([1, 2, 4, 5, 5])
        let a = try FP32Executor(graph: graph, threads: 1).run(x)
        let c = try FP32Executor(graph: optimized, threads: 2).run(x)
        #expect(Self.relativeError(c, a) < 1e-5)
    }
}
