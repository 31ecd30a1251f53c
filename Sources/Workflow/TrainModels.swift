import NN
import TensorCore

/// The models `rppg train` can build, with their state-dict shapes in PyTorch order.
///
/// Interim: TinyPulse is traced here from issue 3's definition (keys as Tools/pytorch_zoo.py)
/// until the model zoo (`ModelZoo.graph` / `ModelZoo.parameterShapes`, branch nn) lands; then
/// these three functions forward to it and PhysNet / FactorizePhys train too.
enum TrainModels {
    static let names = ["tinypulse", "physnet", "factorizephys"]

    static func check(_ name: String) throws {
        guard names.contains(name) else {
            throw TrainError("--model \(name) is not one of \(names.joined(separator: ", "))")
        }
        guard name == "tinypulse" else {
            throw TrainError("--model \(name): training it needs the model zoo's graph, which this build does not have yet; use --model tinypulse")
        }
    }

    static func inputSize(_ name: String) -> Int { name == "tinypulse" ? 36 : 72 }

    static func parameterShapes(_ name: String) -> [(key: String, shape: [Int])] {
        var shapes: [(key: String, shape: [Int])] = []
        func block(_ prefix: String, _ weight: [Int]) {
            let c = weight[0]
            shapes += [("\(prefix).0.weight", weight), ("\(prefix).1.weight", [c]), ("\(prefix).1.bias", [c]),
                       ("\(prefix).1.running_mean", [c]), ("\(prefix).1.running_var", [c]),
                       ("\(prefix).1.num_batches_tracked", [])]
        }
        block("stem", [8, 3, 1, 5, 5])
        block("block2", [16, 8, 3, 3, 3])
        block("block3", [32, 16, 3, 3, 3])
        shapes += [("head.weight", [1, 32, 1, 1, 1]), ("head.bias", [1])]
        return shapes
    }

    /// TinyPulse: stem (conv 1×5×5, BN, ReLU), avg-pool 1×2×2, block2 (conv 3³, BN, ReLU), avg-pool,
    /// block3 (conv 3³, BN, ReLU), spatial mean, head conv 1³; input [batch,3,T,36,36] → [batch,T].
    static func graph(_ name: String, initializers: [String: Tensor], batch: Int, frames: Int) throws -> Graph {
        try check(name)
        var nodes: [Node] = []
        func block(_ p: String, _ input: String, kernel: [Int], pad: [Int]) -> String {
            nodes.append(Node(name: "\(p).0", op: .conv(ConvAttributes(kernel: kernel, padsBegin: pad)),
                              inputs: [input, "\(p).0.weight"], outputs: ["\(p).0.out"]))
            nodes.append(Node(name: "\(p).1", op: .batchNorm(epsilon: 1e-5),
                              inputs: ["\(p).0.out", "\(p).1.weight", "\(p).1.bias", "\(p).1.running_mean", "\(p).1.running_var"],
                              outputs: ["\(p).1.out"]))
            nodes.append(Node(name: "\(p).2", op: .relu, inputs: ["\(p).1.out"], outputs: ["\(p).2.out"]))
            return "\(p).2.out"
        }
        let pool = PoolAttributes(kernel: [1, 2, 2], countIncludePad: true)
        var h = block("stem", "input", kernel: [1, 5, 5], pad: [0, 2, 2])
        nodes.append(Node(name: "pool1", op: .avgPool(pool), inputs: [h], outputs: ["pool1.out"]))
        h = block("block2", "pool1.out", kernel: [3, 3, 3], pad: [1, 1, 1])
        nodes.append(Node(name: "pool2", op: .avgPool(pool), inputs: [h], outputs: ["pool2.out"]))
        h = block("block3", "pool2.out", kernel: [3, 3, 3], pad: [1, 1, 1])
        nodes.append(Node(name: "mean", op: .reduceMean(axes: [3, 4], keepDims: true), inputs: [h], outputs: ["mean.out"]))
        nodes.append(Node(name: "head", op: .conv(ConvAttributes(kernel: [1, 1, 1])), inputs: ["mean.out", "head.weight", "head.bias"],
                          outputs: ["head.out"]))
        nodes.append(Node(name: "reshape", op: .reshape(shape: [batch, frames]), inputs: ["head.out"], outputs: ["output"]))
        var inits: [String: Tensor] = [:]
        for (key, _) in parameterShapes(name) { inits[key] = initializers[key] }
        return Graph(name: name, nodes: nodes, inputs: [ValueInfo(name: "input", shape: [batch, 3, frames, 36, 36])],
                     outputs: [ValueInfo(name: "output", shape: [batch, frames])], initializers: inits)
    }
}
