import Foundation
import NN
import ONNX
import TensorCore
import Testing

/// Hand-made graphs that exercise every op the writer maps.
enum SampleGraphs {
    static func floats(_ shape: [Int], seed: Int) -> Tensor {
        let n = shape.reduce(1, *)
        return Tensor(shape: shape, scalars: (0..<n).map { Float(($0 * 37 + seed * 11) % 17) / 8 - 1 })
    }

    /// Conv3d/BN/ReLU/pool/ConvTranspose/ELU/… chain with every FP32 op the writer maps.
    static func fp32() -> Graph {
        var g = Graph(name: "sample")
        g.inputs = [ValueInfo(name: "input", shape: [1, 3, 4, 8, 8])]
        g.outputs = [ValueInfo(name: "output", shape: [1, 4])]
        g.initializers = [
            "c1.weight": floats([4, 3, 1, 3, 3], seed: 1), "c1.bias": floats([4], seed: 2),
            "bn.weight": floats([4], seed: 3), "bn.bias": floats([4], seed: 4),
            "bn.running_mean": floats([4], seed: 5), "bn.running_var": Tensor(shape: [4], scalars: [1, 2, 3, 4] as [Float]),
            "up.weight": floats([4, 4, 2, 1, 1], seed: 6),
            "in.weight": floats([4], seed: 7), "in.bias": floats([4], seed: 8),
            "fc.weight": floats([4, 4], seed: 9), "fc.bias": floats([4], seed: 10),
            "scale": Tensor(scalar: Float(0.5)),
        ]
        let conv = ConvAttributes(kernel: [1, 3, 3], padsBegin: [0, 1, 1])
        g.nodes = [
            Node(name: "c1", op: .conv(conv), inputs: ["input", "c1.weight", "c1.bias"], outputs: ["a"]),
            Node(name: "bn", op: .batchNorm(epsilon: 1e-5), inputs: ["a", "bn.weight", "bn.bias", "bn.running_mean", "bn.running_var"], outputs: ["b"]),
            Node(name: "relu", op: .relu, inputs: ["b"], outputs: ["c"]),
            Node(name: "pool", op: .maxPool(PoolAttributes(kernel: [1, 2, 2])), inputs: ["c"], outputs: ["d"]),
            Node(name: "avg", op: .avgPool(PoolAttributes(kernel: [1, 2, 2], ceilMode: true)), inputs: ["d"], outputs: ["e"]),
            Node(name: "up", op: .convTranspose(ConvTransposeAttributes(conv: ConvAttributes(kernel: [2, 1, 1], stride: [2, 1, 1], padsBegin: [0, 0, 0]))),
                 inputs: ["e", "up.weight"], outputs: ["f"]),
            Node(name: "elu", op: .elu(alpha: 1), inputs: ["f"], outputs: ["g"]),
            Node(name: "in", op: .instanceNorm(epsilon: 1e-5), inputs: ["g", "in.weight", "in.bias"], outputs: ["h"]),
            Node(name: "tanh", op: .tanh, inputs: ["h"], outputs: ["i"]),
            Node(name: "sig", op: .sigmoid, inputs: ["i"], outputs: ["j"]),
            Node(name: "clip", op: .clip(min: 0, max: 6), inputs: ["j"], outputs: ["k"]),
            Node(name: "mul", op: .mul, inputs: ["k", "scale"], outputs: ["l"]),
            Node(name: "add", op: .add, inputs: ["l", "k"], outputs: ["m"]),
            Node(name: "sub", op: .sub, inputs: ["m", "k"], outputs: ["n"]),
            Node(name: "div", op: .div, inputs: ["n", "scale"], outputs: ["o"]),
            Node(name: "mean", op: .reduceMean(axes: [3, 4], keepDims: false), inputs: ["o"], outputs: ["p"]),  // [1,4,8]
            Node(name: "sl", op: .slice(starts: [0], ends: [4], axes: [2], steps: [1]), inputs: ["p"], outputs: ["q"]),  // [1,4,4]
            Node(name: "cat", op: .concat(axis: 2), inputs: ["q", "q"], outputs: ["r"]),  // [1,4,8]
            Node(name: "tr", op: .transpose(perm: [0, 2, 1]), inputs: ["r"], outputs: ["s"]),  // [1,8,4]
            Node(name: "uns", op: .unsqueeze(axes: [1]), inputs: ["s"], outputs: ["t"]),  // [1,1,8,4]
            Node(name: "sq", op: .squeeze(axes: [1]), inputs: ["t"], outputs: ["u"]),
            Node(name: "gap", op: .globalAvgPool, inputs: ["u"], outputs: ["v"]),  // [1,8,1]
            Node(name: "rs", op: .reshape(shape: [2, 4]), inputs: ["v"], outputs: ["w"]),
            Node(name: "fl", op: .flatten(axis: 1), inputs: ["w"], outputs: ["x"]),
            Node(name: "mm", op: .matMul, inputs: ["x", "fc.weight"], outputs: ["y"]),
            Node(name: "fc", op: .gemm(transA: false, transB: true, alpha: 1, beta: 1), inputs: ["y", "fc.weight", "fc.bias"], outputs: ["z"]),
            Node(name: "drop", op: .dropout(ratio: 0.25), inputs: ["z"], outputs: ["z2"]),
            Node(name: "id", op: .identity, inputs: ["z2"], outputs: ["z3"]),
            Node(name: "rs2", op: .reshape(shape: [1, -1]), inputs: ["z3"], outputs: ["z4"]),
            Node(name: "sl2", op: .slice(starts: [0], ends: [4], axes: [1], steps: [2]), inputs: ["z4"], outputs: ["z5"]),
            Node(name: "cat2", op: .concat(axis: 1), inputs: ["z5", "z5"], outputs: ["output"]),
        ]
        g.metadata = ["architecture": "sample", "epoch": "3", "val_mae": "1.25"]
        return g
    }

    /// A QDQ conv as ONNX Runtime's quantize_static writes it (int8 per-channel weights, int32 bias).
    static func qdq() -> Graph {
        var g = Graph(name: "qdq")
        g.inputs = [ValueInfo(name: "input", shape: [1, 2, 4, 4])]
        g.outputs = [ValueInfo(name: "output", shape: [1, 3, 4, 4]), ValueInfo(name: "qoutput", shape: [1, 3, 4, 4], dtype: .int8)]
        g.initializers = [
            "y_scale": Tensor(scalar: Float(0.05)), "y_zero_point": Tensor(scalar: Int8(4)),
            "input_scale": Tensor(scalar: Float(0.02)), "input_zero_point": Tensor(scalar: Int8(-3)),
            "w_quantized": Tensor(shape: [3, 2, 1, 1], scalars: [1, -2, 3, -4, 127, -127] as [Int8]),
            "w_scale": Tensor(shape: [3], scalars: [0.01, 0.02, 0.03] as [Float]),
            "w_zero_point": Tensor(shape: [3], scalars: [0, 0, 0] as [Int8]),
            "b_quantized": Tensor(shape: [3], scalars: [100, -200, 300] as [Int32]),
            "b_scale": Tensor(shape: [3], scalars: [0.0002, 0.0004, 0.0006] as [Float]),
            "b_zero_point": Tensor(shape: [3], scalars: [0, 0, 0] as [Int32]),
            "u8": Tensor(shape: [2], scalars: [0, 255] as [UInt8]),
            "i64": Tensor(shape: [2], scalars: [-1, Int64.max] as [Int64]),
        ]
        g.nodes = [
            Node(name: "input_QuantizeLinear", op: .quantizeLinear(axis: 1), inputs: ["input", "input_scale", "input_zero_point"], outputs: ["input_q"]),
            Node(name: "input_DequantizeLinear", op: .dequantizeLinear(axis: 1), inputs: ["input_q", "input_scale", "input_zero_point"], outputs: ["input_dq"]),
            Node(name: "w_DequantizeLinear", op: .dequantizeLinear(axis: 0), inputs: ["w_quantized", "w_scale", "w_zero_point"], outputs: ["w_dq"]),
            Node(name: "b_DequantizeLinear", op: .dequantizeLinear(axis: 0), inputs: ["b_quantized", "b_scale", "b_zero_point"], outputs: ["b_dq"]),
            Node(name: "conv", op: .conv(ConvAttributes(kernel: [1, 1])), inputs: ["input_dq", "w_dq", "b_dq"], outputs: ["output"]),
            Node(name: "qconv", op: .qLinearConv(ConvAttributes(kernel: [1, 1])),
                 inputs: ["input_q", "input_scale", "input_zero_point", "w_quantized", "w_scale", "w_zero_point",
                          "y_scale", "y_zero_point", "b_quantized"], outputs: ["qoutput"]),
        ]
        return g
    }
}

func expectSameGraph(_ a: Graph, _ b: Graph) {
    #expect(a.name == b.name)
    #expect(a.nodes == b.nodes)
    #expect(a.inputs == b.inputs)
    #expect(a.outputs == b.outputs)
    #expect(Set(a.initializers.keys) == Set(b.initializers.keys))
    for (k, t) in a.initializers { #expect(b.initializers[k] == t, "initializer \(k)") }
    #expect(a.metadata == b.metadata)
    #expect(a.valueInfo == b.valueInfo)
}

@Suite struct ONNXRoundTripTests {
    @Test(arguments: [13, 17, 18, 21])
    func writerThenReaderGivesTheSourceGraph(opset: Int) throws {
        let source = SampleGraphs.fp32()
        let data = try ONNXWriter.encode(source, opset: opset)
        let back = try ONNXReader.decode(data, source: "sample.onnx")
        expectSameGraph(source, back)
    }

    @Test func qdqGraphWithIntegerInitializersRoundTrips() throws {
        let source = SampleGraphs.qdq()
        let back = try ONNXReader.decode(try ONNXWriter.encode(source), source: "qdq.onnx")
        expectSameGraph(source, back)
    }

    @Test func modelHeaderMatchesTheOpset() throws {
        for (opset, ir) in [(13, 7), (14, 7), (15, 8), (18, 8), (19, 9), (20, 9), (21, 10)] {
            let model = try ONNXModelProto(serialized: [UInt8](try ONNXWriter.encode(SampleGraphs.qdq(), opset: opset)))
            #expect(model.irVersion == Int64(ir))
            #expect(model.opsetImport == [ONNXOperatorSetIdProto(domain: "", version: Int64(opset))])
            #expect(model.producerName == "rppg-swift")
        }
        #expect(throws: ONNXError.self) { _ = try ONNXWriter.encode(SampleGraphs.qdq(), opset: 12) }
    }

    @Test func operandsBecomeInputsAsTorchOnnxWritesThem() throws {
        let model13 = try ONNXWriter.modelProto(SampleGraphs.fp32(), opset: 13)
        let nodes13 = model13.graph!.node
        let reshape = try #require(nodes13.first { $0.name == "rs" })
        #expect(reshape.input == ["v", "rs_shape"])
        let shape = try #require(model13.graph!.initializer.first { $0.name == "rs_shape" })
        #expect(shape.dataType == 7 && shape.dims == [2] && shape.rawData.count == 16)
        #expect(nodes13.first { $0.name == "clip" }!.input == ["j", "clip_min", "clip_max"])
        #expect(nodes13.first { $0.name == "sl" }!.input.count == 5)
        #expect(nodes13.first { $0.name == "uns" }!.input == ["s", "uns_axes"])
        let mean13 = nodes13.first { $0.name == "mean" }!
        #expect(mean13.attribute("axes")?.ints == [3, 4] && mean13.input.count == 1)
        let mean18 = try ONNXWriter.modelProto(SampleGraphs.fp32(), opset: 18).graph!.node.first { $0.name == "mean" }!
        #expect(mean18.attribute("axes") == nil && mean18.input == ["o", "mean_axes"])
        // Initializers are raw_data only, ordered by first use: deterministic bytes.
        #expect(model13.graph!.initializer.allSatisfy { $0.floatData.isEmpty && !$0.rawData.isEmpty })
        #expect(try ONNXWriter.encode(SampleGraphs.fp32()) == ONNXWriter.encode(SampleGraphs.fp32()))
        #expect(model13.metadataProps.map(\.key) == ["architecture", "epoch", "val_mae"])
    }

    @Test func fusedActivationAndAdaptivePoolAreLowered() throws {
        var g = Graph(name: "fused")
        g.inputs = [ValueInfo(name: "input", shape: [1, 2, 8, 4, 4])]
        g.outputs = [ValueInfo(name: "output", shape: [1, 2, 4, 1, 1])]
        g.initializers = ["w": SampleGraphs.floats([2, 2, 1, 1, 1], seed: 1)]
        g.nodes = [
            Node(name: "conv", op: .conv(ConvAttributes(kernel: [1, 1, 1])), inputs: ["input", "w"], outputs: ["a"], fusedActivation: .relu),
            Node(name: "pool", op: .adaptiveAvgPool(outputSize: [4, 1, 1]), inputs: ["a"], outputs: ["b"]),
            Node(name: "gpool", op: .adaptiveAvgPool(outputSize: [1, 1, 1]), inputs: ["b"], outputs: ["output"]),
        ]
        g.valueInfo = ["a": ValueInfo(name: "a", shape: [1, 2, 8, 4, 4])]
        let model = try ONNXWriter.modelProto(g)
        let nodes = model.graph!.node
        #expect(nodes.map(\.opType) == ["Conv", "Relu", "AveragePool", "GlobalAveragePool"])
        #expect(nodes[1].output == ["a"] && nodes[0].output == nodes[1].input)
        #expect(nodes[2].attribute("kernel_shape")?.ints == [2, 4, 4])
        #expect(nodes[2].attribute("strides")?.ints == [2, 4, 4])
        #expect(model.graph!.valueInfo.map(\.name) == ["a"])
        let back = try ONNXReader.decode(Data(model.serialized()), source: "fused.onnx")
        #expect(back.nodes.map(\.op.name) == ["Conv", "Relu", "AveragePool", "GlobalAveragePool"])
        // Without value_info the writer infers the shape itself (and writes no value_info).
        g.valueInfo = [:]
        let inferred = try ONNXWriter.modelProto(g)
        #expect(inferred.graph!.node[2].attribute("kernel_shape")?.ints == [2, 4, 4])
        #expect(inferred.graph!.valueInfo.isEmpty)
        // A pool whose sizes do not divide has no fixed-kernel equivalent.
        g.nodes[1].op = .adaptiveAvgPool(outputSize: [3, 1, 1])
        #expect(throws: ONNXError.self) { _ = try ONNXWriter.encode(g) }
    }

    @Test func writeIsAtomicAndReadable() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("onnx-write-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("models/m.onnx")
        try ONNXWriter.write(SampleGraphs.qdq(), to: url, opset: 17)
        let names = try FileManager.default.contentsOfDirectory(atPath: url.deletingLastPathComponent().path)
        #expect(names == ["m.onnx"])
        expectSameGraph(SampleGraphs.qdq(), try ONNXReader.read(url))
    }
}
