import Testing
import NN
import TensorCore
import Quantization

/// The insertion pass on hand-made graphs, checked against what ORT's rules give.
@Suite struct QDQInsertionTests {
    /// input → Conv(w1,b1) → Relu → AvgPool → Conv(w2,b2) → Elu → Conv(w3) → output
    static func graph() -> Graph {
        let conv = ConvAttributes(kernel: [1, 1])
        let nodes = [
            Node(name: "conv1", op: .conv(conv), inputs: ["input", "w1", "b1"], outputs: ["c1"]),
            Node(name: "relu1", op: .relu, inputs: ["c1"], outputs: ["r1"]),
            Node(name: "pool", op: .avgPool(PoolAttributes(kernel: [1, 1])), inputs: ["r1"], outputs: ["p1"]),
            Node(name: "conv2", op: .conv(conv), inputs: ["p1", "w2", "b2"], outputs: ["c2"]),
            Node(name: "elu", op: .elu(alpha: 1), inputs: ["c2"], outputs: ["e2"]),
            Node(name: "conv3", op: .conv(conv), inputs: ["e2", "w3"], outputs: ["output"]),
        ]
        let w1 = Tensor(shape: [2, 1, 1, 1], scalars: [0.5, -0.25] as [Float])
        let w2 = Tensor(shape: [2, 2, 1, 1], scalars: [1, -1, 0.5, 2] as [Float])
        let w3 = Tensor(shape: [1, 2, 1, 1], scalars: [0.3, -0.6] as [Float])
        return Graph(nodes: nodes, inputs: [ValueInfo(name: "input", shape: [1, 1, 2, 2])],
                     outputs: [ValueInfo(name: "output", shape: [1, 1, 2, 2])],
                     initializers: ["w1": w1, "b1": Tensor(shape: [2], scalars: [0.1, -3e-9] as [Float]),
                                    "w2": w2, "b2": Tensor(shape: [2], scalars: [0, 1] as [Float]), "w3": w3])
    }

    static let ranges: [String: TensorRange] = [
        "input": TensorRange(min: -2, max: 2), "c1": TensorRange(min: -1, max: 1), "r1": TensorRange(min: 0, max: 1),
        "p1": TensorRange(min: 0, max: 0.8), "c2": TensorRange(min: -3, max: 4), "e2": TensorRange(min: -1, max: 4),
        "output": TensorRange(min: -2, max: 1),
    ]

    @Test func insertsQDQInORTForm() throws {
        let q = try QDQInsertion.apply(Self.graph(), ranges: Self.ranges, options: QuantizationOptions())
        let byName = Dictionary(uniqueKeysWithValues: q.nodes.map { ($0.name, $0) })
        // Relu removed: conv1 writes r1 directly, quantized with r1's range.
        #expect(byName["relu1"] == nil)
        #expect(byName["conv1"]?.outputs == ["r1"])
        #expect(byName["conv1"]?.inputs == ["input_DequantizeLinear_Output", "w1_DequantizeLinear_Output", "b1"])
        #expect(q.initializers["r1_scale"]?.scalars(as: Float.self) == [Float(1.0 / 255.0)])
        #expect(q.initializers["r1_zero_point"]?.scalars(as: Int8.self) == [-128])
        #expect(q.initializers["c1_scale"] == nil)
        // AveragePool output shares r1's parameters.
        #expect(byName["p1_QuantizeLinear"]?.inputs == ["p1", "r1_scale", "r1_zero_point"])
        #expect(q.initializers["p1_scale"] == nil)
        // Elu is not quantized: its input c2 is (conv2 output), its output e2 is (conv3 input).
        #expect(byName["elu"]?.inputs == ["c2_DequantizeLinear_Output"])
        #expect(byName["e2_QuantizeLinear"] != nil)
        // Graph output keeps its name on the DQ.
        #expect(byName["conv3"]?.outputs == ["output_QuantizeLinear_Input"])
        #expect(byName["output_DequantizeLinear"]?.outputs == ["output"])
        // Per-channel symmetric weights.
        #expect(q.initializers["w1_quantized"]?.scalars(as: Int8.self) == [127, -127])
        #expect(q.initializers["w1_scale"]?.scalars(as: Float.self) == [Float(0.5 / 127), Float(0.25 / 127)])
        #expect(q.initializers["w1_zero_point"]?.scalars(as: Int8.self) == [0, 0])
        #expect(byName["w1_DequantizeLinear"]?.op == .dequantizeLinear(axis: 0))
        // Bias: int32, scale = input scale × weight scale, DQ writes the original name.
        let inScale = q.initializers["input_scale"]!.scalars(as: Float.self)[0]
        let bScale = q.initializers["b1_quantized_scale"]!.scalars(as: Float.self)
        #expect(bScale == [inScale * Float(0.5 / 127), inScale * Float(0.25 / 127)])
        let qb = q.initializers["b1_quantized"]!.scalars(as: Int32.self)
        #expect(qb[0] == Int32((Double(Float(0.1)) / Double(bScale[0])).rounded(.toNearestOrEven)))
        #expect(byName["b1_DequantizeLinear"]?.outputs == ["b1"])
        #expect(q.initializers["b1"] == nil && q.initializers["w1"] == nil)
        // Topological order: every input is an initializer, the graph input or written earlier.
        var known = Set(q.initializers.keys).union(["input"])
        for n in q.nodes {
            for i in n.inputs { #expect(known.contains(i), "\(n.name) reads \(i) before it is written") }
            known.formUnion(n.outputs)
        }
    }

    @Test func perTensorAndUInt8() throws {
        let q = try QDQInsertion.apply(Self.graph(), ranges: Self.ranges,
                                       options: QuantizationOptions(perChannel: false, activationType: .uint8))
        #expect(q.initializers["w2_scale"]?.shape == [])
        #expect(q.initializers["w2_scale"]?.scalars(as: Float.self) == [Float(2.0 / 127)])
        #expect(q.initializers["b2_quantized_scale"]?.shape == [1])
        #expect(q.initializers["b2_quantized_zero_point"]?.shape == [])
        #expect(q.initializers["input_zero_point"]?.scalars(as: UInt8.self) == [128])
        #expect(q.initializers["r1_zero_point"]?.scalars(as: UInt8.self) == [0])
    }

    @Test func tinyBiasScaleEnlargesWeightScale() throws {
        // A bias of 1e6 with scales 1e-3 · 1e-6 would need 1e15 > int32: the weight scale grows.
        var g = Self.graph()
        g.initializers["b2"] = Tensor(shape: [2], scalars: [1e6, 0] as [Float])
        g.initializers["w2"] = Tensor(shape: [2, 2, 1, 1], scalars: [1e-4, 0, 0.5, 2] as [Float])
        let q = try QDQInsertion.apply(g, ranges: Self.ranges, options: QuantizationOptions())
        let ws = q.initializers["w2_scale"]!.scalars(as: Float.self)
        let inScale = Double(q.initializers["r1_scale"]!.scalars(as: Float.self)[0])
        #expect(Double(ws[0]) > 1e-4 / 127)
        // After the adjustment the bias fits int32.
        let qb = q.initializers["b2_quantized"]!.scalars(as: Int32.self)
        #expect(qb[0] < Int32.max && Double(qb[0]) * inScale * Double(ws[0]) > 0.99e6)
        #expect(ws[1] == Float(2.0 / 127))
    }

    @Test func missingRangeIsAnError() {
        var r = Self.ranges
        r["e2"] = nil
        #expect(throws: QuantizationError.self) { try QDQInsertion.apply(Self.graph(), ranges: r, options: QuantizationOptions()) }
    }
}
