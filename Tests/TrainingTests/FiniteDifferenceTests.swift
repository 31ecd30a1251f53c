import NN
import TensorCore
import Testing
import Training

/// Backward rules against central finite differences of a scalar loss `Σ r·y` through a small
/// network that chains most rules (conv, batch norm, ELU, max pool, transposed conv, instance
/// norm, sigmoid, adaptive pool, gemm, broadcasting ops, reduce mean).
@Suite struct FiniteDifferenceTests {
    static func network() -> Graph {
        var rng = SeededGenerator(seed: 7)
        func random(_ shape: [Int], scale: Float = 0.5) -> Tensor {
            Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in rng.uniform(-scale, scale) })
        }
        let nodes: [Node] = [
            Node(name: "c1", op: .conv(ConvAttributes(kernel: [3, 3, 3], stride: [1, 2, 1], padsBegin: [1, 1, 1])),
                 inputs: ["input", "c1.w", "c1.b"], outputs: ["a"]),
            Node(name: "bn", op: .batchNorm(epsilon: 1e-5), inputs: ["a", "bn.g", "bn.b", "bn.m", "bn.v"], outputs: ["b"]),
            Node(name: "elu", op: .elu(alpha: 1), inputs: ["b"], outputs: ["c"]),
            Node(name: "mp", op: .maxPool(PoolAttributes(kernel: [1, 2, 2])), inputs: ["c"], outputs: ["d"]),
            Node(name: "ct", op: .convTranspose(ConvTransposeAttributes(conv: ConvAttributes(kernel: [4, 1, 1], stride: [2, 1, 1], padsBegin: [1, 0, 0]))),
                 inputs: ["d", "ct.w", "ct.b"], outputs: ["e"]),
            Node(name: "in", op: .instanceNorm(epsilon: 1e-5), inputs: ["e", "in.g", "in.b"], outputs: ["f"]),
            Node(name: "sig", op: .sigmoid, inputs: ["f"], outputs: ["g"]),
            Node(name: "ap", op: .adaptiveAvgPool(outputSize: [4, 1, 1]), inputs: ["g"], outputs: ["h"]),
            Node(name: "fl", op: .reshape(shape: [2, -1]), inputs: ["h"], outputs: ["i"]),
            Node(name: "fc", op: .gemm(transA: false, transB: true, alpha: 1, beta: 1), inputs: ["i", "fc.w", "fc.b"], outputs: ["j"]),
            Node(name: "mul", op: .mul, inputs: ["j", "s"], outputs: ["k"]),
            Node(name: "tanh", op: .tanh, inputs: ["k"], outputs: ["output"]),
        ]
        let inits: [String: Tensor] = [
            "c1.w": random([3, 2, 3, 3, 3]), "c1.b": random([3]),
            "bn.g": random([3], scale: 1), "bn.b": random([3]), "bn.m": Tensor(zeros: [3]), "bn.v": Tensor(shape: [3], scalars: [Float](repeating: 1, count: 3)),
            "ct.w": random([3, 2, 4, 1, 1]), "ct.b": random([2]),
            "in.g": random([2], scale: 1), "in.b": random([2]),
            "fc.w": random([5, 8]), "fc.b": random([5]), "s": random([1, 5], scale: 2),
        ]
        return Graph(nodes: nodes, inputs: [ValueInfo(name: "input", shape: [2, 2, 2, 6, 4])],
                     outputs: [ValueInfo(name: "output", shape: [2, 5])], initializers: inits)
    }

    @Test func gradientsMatchCentralDifferences() throws {
        let graph = Self.network()
        var rng = SeededGenerator(seed: 11)
        let x = Tensor(shape: [2, 2, 2, 6, 4], scalars: (0..<192).map { _ in rng.uniform(-1, 1) })
        let r = (0..<10).map { _ in rng.uniform(-1, 1) }
        let model = try TrainableGraph(graph: graph, threads: 2)
        func loss() throws -> Double {
            let y = try model.forward(["input": x], training: true)["output"]!.floatValues()
            return zip(y, r).reduce(0.0) { $0 + Double($1.0 * $1.1) }
        }
        _ = try loss()
        let grads = try model.backward(["output": Tensor(shape: [2, 5], scalars: r)], inputGradients: true)
        var checked = 0
        for name in model.parameterNames {
            let base = model.initializer(name)!
            let analytic = grads[name]!.floatValues()
            var values = base.floatValues()
            // A few coordinates per parameter keep the test fast.
            for j in stride(from: 0, to: values.count, by: max(1, values.count / 4)) {
                let h: Float = 1e-2
                let keep = values[j]
                values[j] = keep + h
                try model.setInitializer(name, Tensor(shape: base.shape, scalars: values))
                let up = try loss()
                values[j] = keep - h
                try model.setInitializer(name, Tensor(shape: base.shape, scalars: values))
                let down = try loss()
                values[j] = keep
                try model.setInitializer(name, base)
                let numeric = (up - down) / Double(2 * h)
                let tolerance = 2e-3 + 2e-2 * abs(numeric)
                #expect(abs(numeric - Double(analytic[j])) < tolerance, "\(name)[\(j)]: numeric \(numeric) vs \(analytic[j])")
                checked += 1
            }
        }
        #expect(checked >= 38)
    }
}
