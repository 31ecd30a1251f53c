import Foundation
import NN
import ONNX
import TensorCore
import Testing

/// Builds small ModelProtos by hand, the way other producers may write them.
private func model(_ nodes: [ONNXNodeProto], initializers: [ONNXTensorProto] = [], opset: Int64 = 13,
                   input: [Int64] = [1, 4], output: [Int64] = [1, 4]) -> ONNXModelProto {
    var g = ONNXGraphProto()
    g.name = "hand"
    g.node = nodes
    g.initializer = initializers
    g.input = [ONNXValueInfoProto(name: "input", type: ONNXTypeProto(elemType: 1, shape: input.map { .init(value: $0) }))]
        + initializers.map { ONNXValueInfoProto(name: $0.name, type: ONNXTypeProto(elemType: $0.dataType, shape: $0.dims.map { .init(value: $0) })) }
    g.output = [ONNXValueInfoProto(name: "output", type: ONNXTypeProto(elemType: 1, shape: output.map { .init(value: $0) }))]
    var m = ONNXModelProto()
    m.irVersion = 7
    m.opsetImport = [ONNXOperatorSetIdProto(version: opset)]
    m.graph = g
    return m
}

private func decode(_ m: ONNXModelProto) throws -> Graph {
    try ONNXReader.decode(Data(m.serialized()), source: "hand.onnx")
}

private func thrown(_ body: () throws -> Void) -> String {
    do { try body(); return "" } catch { return "\(error)" }
}

@Suite struct ONNXReaderTests {
    @Test func unknownOpErrorNamesNodeOpAndDomain() {
        let m = model([ONNXNodeProto(name: "mystery", opType: "FancyOp", inputs: ["input"], outputs: ["output"], domain: "com.example")])
        let message = thrown { _ = try decode(m) }
        #expect(message.contains("mystery") && message.contains("FancyOp") && message.contains("com.example") && message.contains("hand.onnx"))
        let plain = model([ONNXNodeProto(name: "lstm", opType: "LSTM", inputs: ["input"], outputs: ["output"])])
        let m2 = thrown { _ = try decode(plain) }
        #expect(m2.contains("lstm") && m2.contains("LSTM") && m2.contains("ai.onnx"))
    }

    @Test func truncatedFileIsAClearError() throws {
        let bytes = [UInt8](try ONNXWriter.encode(SampleGraphs.fp32()))
        for cut in [1, 7, bytes.count / 2, bytes.count - 1] {
            #expect(throws: ONNXError.self) { _ = try ONNXReader.decode(Data(bytes[0..<cut]), source: "cut.onnx") }
        }
        #expect(thrown { _ = try ONNXReader.decode(Data(), source: "empty.onnx") }.contains("empty"))
        #expect(thrown { _ = try ONNXReader.read(URL(fileURLWithPath: "/nonexistent/m.onnx")) }.contains("/nonexistent/m.onnx"))
    }

    @Test func hugeDeclaredLengthIsRejectedWithoutAllocating() {
        var w = ProtobufWriter()
        w.writeInt(1, 7)
        w.writeTag(7, .lengthDelimited)  // graph
        w.writeVarint(UInt64(1) << 62)
        let message = thrown { _ = try ONNXReader.decode(Data(w.bytes + [0, 0, 0]), source: "huge.onnx") }
        #expect(message.contains("huge.onnx") && message.contains("exceeds"))
        // A tensor claiming 2^40 elements with 4 bytes of data.
        var t = ONNXTensorProto()
        t.name = "big"; t.dataType = 1; t.dims = [1 << 20, 1 << 20]; t.rawData = [0, 0, 0, 0]
        let m = model([ONNXNodeProto(name: "id", opType: "Identity", inputs: ["input"], outputs: ["output"])], initializers: [t])
        #expect(thrown { _ = try decode(m) }.contains("big"))
    }

    @Test func externalDataOpsetAndDtypeErrors() {
        var t = ONNXTensorProto()
        t.name = "w"; t.dataType = 1; t.dims = [4]; t.dataLocation = 1
        t.externalData = [ONNXStringStringEntryProto(key: "location", value: "w.bin")]
        let id = ONNXNodeProto(name: "add", opType: "Add", inputs: ["input", "w"], outputs: ["output"])
        let ext = thrown { _ = try decode(model([id], initializers: [t])) }
        #expect(ext.contains("external") && ext.contains("'w'"))
        #expect(thrown { _ = try decode(model([id], opset: 9)) }.contains("opset 9"))
        var s = ONNXTensorProto()
        s.name = "w"; s.dataType = 8; s.dims = [1]; s.stringData = [[65]]
        #expect(thrown { _ = try decode(model([id], initializers: [s])) }.contains("data type 8"))
        var dyn = model([ONNXNodeProto(name: "id", opType: "Identity", inputs: ["input"], outputs: ["output"])])
        dyn.graph!.input[0].type!.shape![0] = .init(param: "batch")
        #expect(thrown { _ = try decode(dyn) }.contains("dynamic"))
    }

    @Test func typedDataFieldsAndConstantNodesLoad() throws {
        var f = ONNXTensorProto(); f.name = "f"; f.dataType = 1; f.dims = [4]; f.floatData = [1, 2, 3, 4]
        var i8 = ONNXTensorProto(); i8.name = "zp"; i8.dataType = 3; i8.dims = []; i8.int32Data = [-5]
        var i64 = ONNXTensorProto(); i64.name = "shape"; i64.dataType = 7; i64.dims = [2]; i64.int64Data = [2, 2]
        var constValue = ONNXTensorProto(); constValue.dataType = 7; constValue.dims = [1]; constValue.int64Data = [0]
        let nodes = [
            ONNXNodeProto(name: "axes", opType: "Constant", inputs: [], outputs: ["axes"], attributes: [.tensor("value", constValue)]),
            ONNXNodeProto(name: "scale", opType: "Constant", inputs: [], outputs: ["s"], attributes: [.float("value_float", 0.5)]),
            ONNXNodeProto(name: "q", opType: "QuantizeLinear", inputs: ["input", "s", "zp"], outputs: ["q"]),
            ONNXNodeProto(name: "dq", opType: "DequantizeLinear", inputs: ["q", "s", "zp"], outputs: ["dq"]),
            ONNXNodeProto(name: "add", opType: "Add", inputs: ["dq", "f"], outputs: ["a"]),
            ONNXNodeProto(name: "rs", opType: "Reshape", inputs: ["a", "shape"], outputs: ["r"]),
            ONNXNodeProto(name: "uq", opType: "Unsqueeze", inputs: ["r", "axes"], outputs: ["u"]),
            ONNXNodeProto(name: "sq", opType: "Squeeze", inputs: ["u", "axes"], outputs: ["sq"]),
            ONNXNodeProto(name: "fl", opType: "Flatten", inputs: ["sq"], outputs: ["fl"]),
            ONNXNodeProto(name: "out", opType: "Identity", inputs: ["fl"], outputs: ["output"]),
        ]
        let g = try decode(model(nodes, initializers: [f, i8, i64]))
        #expect(g.nodes.map(\.op) == [.quantizeLinear(axis: 1), .dequantizeLinear(axis: 1), .add, .reshape(shape: [2, 2]),
                                      .unsqueeze(axes: [0]), .squeeze(axes: [0]), .flatten(axis: 1), .identity])
        #expect(g.inputs.map(\.name) == ["input"])  // initializers listed as graph inputs are not model inputs
        #expect(g.initializers["f"] == Tensor(shape: [4], scalars: [1, 2, 3, 4] as [Float]))
        #expect(g.initializers["zp"] == Tensor(shape: [], scalars: [-5] as [Int8]))
        #expect(g.initializers["s"] == Tensor(scalar: Float(0.5)))
        // Folded operands (shape, axes) are not left behind as initializers.
        #expect(Set(g.initializers.keys) == ["f", "zp", "s"])
        #expect(g.nodes[3].inputs == ["a"])
    }

    @Test func olderOpsetAttributeFormsLoad() throws {
        let nodes = [
            ONNXNodeProto(name: "u", opType: "Unsqueeze", inputs: ["input"], outputs: ["u"], attributes: [.ints("axes", [0])]),
            ONNXNodeProto(name: "s", opType: "Squeeze", inputs: ["u"], outputs: ["s"], attributes: [.ints("axes", [0])]),
            ONNXNodeProto(name: "m", opType: "ReduceMean", inputs: ["s"], outputs: ["output"], attributes: [.ints("axes", [1]), .int("keepdims", 1)]),
        ]
        let g = try decode(model(nodes, opset: 11, output: [1, 1]))
        #expect(g.nodes.map(\.op) == [.unsqueeze(axes: [0]), .squeeze(axes: [0]), .reduceMean(axes: [1], keepDims: true)])
    }
}

@Suite struct ONNXCorruptionTests {
    /// Seeded byte flips, insertions and cuts of valid models: the reader must throw or
    /// succeed, never crash, whatever the bytes say.
    @Test(arguments: ["mini_qdq.onnx", "mini_physnet_opset13.onnx"])
    func corruptedModelsNeverCrashTheReader(file: String) throws {
        let original = [UInt8](try Data(contentsOf: try ONNXFixtures.url(file)))
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(truncatingIfNeeded: state >> 33)
        }
        var failures = 0
        for round in 0..<300 {
            var bytes = original
            for _ in 0..<(1 + round % 4) {
                let at = next() % bytes.count
                switch next() % 3 {
                case 0: bytes[at] = UInt8(truncatingIfNeeded: next())
                case 1: bytes.insert(UInt8(truncatingIfNeeded: next()), at: at)
                default: bytes.removeSubrange(at..<min(bytes.count, at + 1 + next() % 16))
                }
            }
            do {
                let g = try ONNXReader.decode(Data(bytes), source: "fuzz.onnx")
                _ = try? ONNXWriter.encode(g)
            } catch is ONNXError {
                failures += 1
            }
        }
        #expect(failures > 0)
    }
}
