import Foundation
import NN
import TensorCore
import Testing
import Training

/// Each backward rule against PyTorch autograd on the fixture cases (forward output, gradient of
/// every input), within 1e-4 relative.
@Suite struct OpGradientTests {
    static func op(_ kind: String, _ a: [String: Any]) -> Op {
        func ints(_ k: String) -> [Int] { a[k] as? [Int] ?? [] }
        switch kind {
        case "conv", "convTranspose":
            let c = ConvAttributes(kernel: ints("kernel"), stride: ints("stride"), padsBegin: ints("pads"),
                                   dilation: ints("dilation"), groups: a["groups"] as? Int ?? 1)
            return kind == "conv" ? .conv(c) : .convTranspose(ConvTransposeAttributes(conv: c))
        case "batchNorm": return .batchNorm(epsilon: Float(a["epsilon"] as! Double))
        case "instanceNorm": return .instanceNorm(epsilon: Float(a["epsilon"] as! Double))
        case "maxPool", "avgPool":
            let p = PoolAttributes(kernel: ints("kernel"), stride: ints("stride"), padsBegin: ints("pads"),
                                   ceilMode: a["ceil"] as? Bool ?? false, countIncludePad: a["countIncludePad"] as? Bool ?? false)
            return kind == "maxPool" ? .maxPool(p) : .avgPool(p)
        case "adaptiveAvgPool": return .adaptiveAvgPool(outputSize: ints("outputSize"))
        case "globalAvgPool": return .globalAvgPool
        case "relu": return .relu
        case "elu": return .elu(alpha: Float(a["alpha"] as? Double ?? 1))
        case "tanh": return .tanh
        case "sigmoid": return .sigmoid
        case "gemm":
            return .gemm(transA: a["transA"] as! Bool, transB: a["transB"] as! Bool, alpha: Float(a["alpha"] as! Double),
                         beta: Float(a["beta"] as! Double))
        case "add": return .add
        case "sub": return .sub
        case "mul": return .mul
        case "div": return .div
        case "reduceMean": return .reduceMean(axes: ints("axes"), keepDims: a["keepDims"] as! Bool)
        case "transpose": return .transpose(perm: ints("perm"))
        case "reshape": return .reshape(shape: ints("shape"))
        default: fatalError("unknown op \(kind)")
        }
    }

    static var caseNames: [String] {
        (TrainingFixtures.shared.json["ops"] as! [[String: Any]]).map { $0["name"] as! String }
    }

    @Test(arguments: caseNames)
    func backwardMatchesPyTorch(_ name: String) throws {
        let fx = TrainingFixtures.shared
        let c = (fx.json["ops"] as! [[String: Any]]).first { $0["name"] as! String == name }!
        let inputs = (c["inputs"] as! [Any]).map { fx.tensor($0)! }
        let trainable = c["trainable"] as! Bool
        let names = inputs.indices.map { "in\($0)" }
        var initializers: [String: Tensor] = [:]
        var graphInputs: [ValueInfo] = []
        for (i, t) in inputs.enumerated() {
            if trainable && i > 0 { initializers[names[i]] = t } else { graphInputs.append(ValueInfo(name: names[i], shape: t.shape)) }
        }
        var nodeInputs = names
        if c["op"] as! String == "batchNorm" {
            initializers["mean"] = fx.tensor(c["runningMean"])!
            initializers["var"] = fx.tensor(c["runningVar"])!
            nodeInputs += ["mean", "var"]
        }
        let expected = fx.tensor(c["output"])!
        let node = Node(name: name, op: Self.op(c["op"] as! String, c["attrs"] as! [String: Any]), inputs: nodeInputs,
                        outputs: ["y"])
        let graph = Graph(nodes: [node], inputs: graphInputs, outputs: [ValueInfo(name: "y", shape: expected.shape)],
                          initializers: initializers)
        let model = try TrainableGraph(graph: graph, threads: 2)
        var feed: [String: Tensor] = [:]
        for info in graphInputs { feed[info.name] = inputs[names.firstIndex(of: info.name)!] }
        let y = try #require(try model.forward(feed, training: true)["y"])
        #expect(y.shape == expected.shape)
        #expect(relativeError(y, expected) < 1e-5, "\(name) forward")
        let grads = try model.backward(["y": fx.tensor(c["outputGradient"])!], inputGradients: true)
        for (i, ref) in (c["inputGradients"] as! [Any]).enumerated() {
            guard let want = fx.tensor(ref) else { continue }
            let got = try #require(grads[names[i]], "\(name): no gradient for input \(i)")
            #expect(got.shape == want.shape)
            #expect(relativeError(got, want) < 1e-4, "\(name) gradient of input \(i): \(relativeError(got, want))")
        }
        if c["op"] as! String == "batchNorm" {
            #expect(relativeError(model.initializer("mean")!, fx.tensor(c["runningMeanAfter"])!) < 1e-5)
            #expect(relativeError(model.initializer("var")!, fx.tensor(c["runningVarAfter"])!) < 1e-5)
        }
    }
}
