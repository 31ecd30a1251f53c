import Foundation
import NN
import TensorCore

/// Writes a ``Graph`` as an ONNX model, with the operator mapping torch.onnx uses for the same
/// layers, so that onnx.checker, ONNX Runtime and vendor tools (ST Edge AI) accept it.
///
/// ```swift
/// try ONNXWriter.write(graph, to: URL(fileURLWithPath: "models/rppg_fp32.onnx"), opset: 13)
/// ```
public enum ONNXWriter {
    /// Producer name written into every model.
    public static let producerName = "rppg-swift"
    /// Producer version written into every model.
    public static let producerVersion = "0.1.0"
    /// Opsets this writer emits.
    public static let supportedOpsets = 13...21

    /// The lowest IR version that carries `opset` (REFERENCE §5).
    public static func irVersion(forOpset opset: Int) -> Int64 {
        switch opset {
        case ...14: return 7
        case 15...18: return 8
        case 19...20: return 9
        default: return 10
        }
    }

    /// Encodes `graph` and writes it to `url` atomically.
    public static func write(_ graph: Graph, to url: URL, opset: Int = 13) throws {
        let data = try encode(graph, opset: opset)
        try AtomicFile.write(data, to: url)
    }

    /// The serialized `ModelProto` of `graph`.
    public static func encode(_ graph: Graph, opset: Int = 13) throws -> Data {
        Data(try modelProto(graph, opset: opset).serialized())
    }

    /// The `ModelProto` of `graph`.
    public static func modelProto(_ graph: Graph, opset: Int = 13) throws -> ONNXModelProto {
        guard supportedOpsets.contains(opset) else {
            throw ONNXError.invalidGraph(source: graph.name, detail: "opset \(opset) is not supported for export; use 13…21")
        }
        // ONNX requires InstanceNormalization's scale and bias.
        let graph = try GraphPasses.materializeInstanceNormAffine(graph)
        // Lowering AdaptiveAvgPool to a fixed-kernel AveragePool needs input shapes.
        var shapes = graph.valueInfo
        let needsShapes = graph.nodes.contains { node in
            guard shapes[node.inputs.first ?? ""] == nil else { return false }
            switch node.op {
            case .adaptiveAvgPool(let size): return !size.allSatisfy { $0 == 1 }
            default: return false
            }
        }
        if needsShapes {
            var inferred = graph
            try? ShapeInference.run(&inferred)
            shapes.merge(inferred.valueInfo) { current, _ in current }
        }
        var encoder = ONNXNodeEncoder(graph: graph, shapes: shapes, opset: opset)
        var nodes: [ONNXNodeProto] = []
        for node in graph.nodes { nodes += try encoder.encode(node) }

        var g = ONNXGraphProto()
        g.name = graph.name
        g.node = nodes
        g.initializer = orderedInitializerNames(graph, nodes: nodes)
            .map { ONNXTensorConversion.proto(graph.initializers[$0]!, name: $0) }
            + encoder.extraInitializers
        g.input = graph.inputs.map(valueInfoProto)
        g.output = graph.outputs.map(valueInfoProto)
        let boundary = Set(graph.inputs.map(\.name) + graph.outputs.map(\.name) + graph.initializers.keys)
        g.valueInfo = graph.valueInfo.keys.sorted().filter { !boundary.contains($0) }
            .map { valueInfoProto(graph.valueInfo[$0]!) }

        var model = ONNXModelProto()
        model.irVersion = irVersion(forOpset: opset)
        model.producerName = producerName
        model.producerVersion = producerVersion
        model.opsetImport = [ONNXOperatorSetIdProto(domain: "", version: Int64(opset))]
        model.graph = g
        model.metadataProps = graph.metadata.keys.sorted().map { ONNXStringStringEntryProto(key: $0, value: graph.metadata[$0]!) }
        return model
    }

    /// Initializers in order of first use, then any unused ones by name: deterministic output.
    static func orderedInitializerNames(_ graph: Graph, nodes: [ONNXNodeProto]) -> [String] {
        var seen = Set<String>()
        var order: [String] = []
        for n in nodes {
            for i in n.input where graph.initializers[i] != nil && !seen.contains(i) {
                seen.insert(i)
                order.append(i)
            }
        }
        return order + graph.initializers.keys.filter { !seen.contains($0) }.sorted()
    }

    static func valueInfoProto(_ v: ValueInfo) -> ONNXValueInfoProto {
        ONNXValueInfoProto(name: v.name, type: ONNXTypeProto(
            elemType: ONNXDataType.code(of: v.dtype), shape: v.shape.map { .init(value: Int64($0)) }))
    }
}
