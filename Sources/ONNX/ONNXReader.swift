import Foundation
import NN
import TensorCore

/// Reads ONNX models into the graph IR: what ``ONNXWriter`` writes, what torch.onnx.export
/// (legacy exporter, opset 13 and 17) writes for the zoo models, and ONNX Runtime's
/// `quantize_static` QDQ output. Only static shapes; every size is checked before allocation.
///
/// ```swift
/// let graph = try ONNXReader.read(URL(fileURLWithPath: "models/rppg_fp32.onnx"))
/// ```
public enum ONNXReader {
    /// Opsets of the default domain this reader accepts.
    public static let supportedOpsets: ClosedRange<Int64> = 11...21
    /// Largest file accepted (2 GiB is protobuf's own limit for one message).
    public static let maxFileBytes = Int(Int32.max)

    /// Reads and converts the model at `url`.
    public static func read(_ url: URL) throws -> Graph {
        try decode(try loadBytes(url), source: url.path)
    }

    /// Converts serialized model bytes; `source` names the file in error messages.
    public static func decode(_ data: Data, source: String) throws -> Graph {
        try graph(from: try modelProto(data, source: source), source: source)
    }

    /// Parses serialized model bytes into a `ModelProto` without converting it.
    public static func modelProto(_ data: Data, source: String) throws -> ONNXModelProto {
        guard !data.isEmpty else { throw ONNXError.malformed(source: source, detail: "the file is empty") }
        let model: ONNXModelProto
        do {
            model = try ONNXModelProto(serialized: [UInt8](data))
        } catch let e as ProtobufError {
            throw ONNXError.malformed(source: source, detail: e.detail)
        }
        guard model.graph != nil else { throw ONNXError.malformed(source: source, detail: "the model has no graph") }
        return model
    }

    /// Reads the bytes of `url`, refusing files over ``maxFileBytes``.
    public static func loadBytes(_ url: URL) throws -> Data {
        let path = url.path
        do { return try FileBytes.read(path, limit: maxFileBytes) } catch {
            switch error {
            case .missing: throw ONNXError.unreadable(source: path, reason: "no such file")
            case .notRegularFile: throw ONNXError.unreadable(source: path, reason: "not a regular file")
            case .tooLarge(let size):
                throw ONNXError.unreadable(source: path, reason: "the file is \(size) bytes, over the 2 GiB protobuf limit")
            case .unreadable(let reason): throw ONNXError.unreadable(source: path, reason: reason)
            }
        }
    }

    /// The default-domain opset a model imports.
    public static func defaultOpset(_ model: ONNXModelProto) -> Int64? {
        model.opsetImport.first { $0.domain.isEmpty || $0.domain == "ai.onnx" }?.version
    }

    /// Converts a parsed model into the graph IR.
    public static func graph(from model: ONNXModelProto, source: String) throws -> Graph {
        guard let g = model.graph else { throw ONNXError.malformed(source: source, detail: "the model has no graph") }
        guard let opset = defaultOpset(model) else {
            throw ONNXError.malformed(source: source, detail: "the model imports no ai.onnx opset")
        }
        guard supportedOpsets.contains(opset) else { throw ONNXError.unsupportedOpset(source: source, domain: "", version: opset) }

        var initializers: [String: Tensor] = [:]
        for t in g.initializer {
            guard !t.name.isEmpty else { throw ONNXError.malformed(source: source, detail: "an initializer has no name") }
            initializers[t.name] = try ONNXTensorConversion.tensor(t, source: source)
        }
        var decoder = ONNXNodeDecoder(source: source, opset: Int(opset), constants: initializers)
        var nodes: [Node] = []
        for (k, n) in g.node.enumerated() {
            if let node = try decoder.decode(n, index: k) { nodes.append(node) }
        }

        // Constants folded into attributes (Reshape shape, Slice bounds, …) leave the graph
        // unless some node still reads them.
        var referenced = Set(nodes.flatMap(\.inputs))
        referenced.formUnion(g.output.map(\.name))
        var kept: [String: Tensor] = [:]
        for (name, t) in decoder.constants where referenced.contains(name) || (initializers[name] != nil && !decoder.folded.contains(name)) {
            kept[name] = t
        }

        let inputs = try g.input.filter { initializers[$0.name] == nil }.map { try valueInfo($0, source: source, required: true)! }
        let outputs = try g.output.map { try valueInfo($0, source: source, required: true)! }
        var info: [String: ValueInfo] = [:]
        for v in g.valueInfo {
            if let vi = try? valueInfo(v, source: source, required: false) { info[vi.name] = vi }
        }
        var metadata: [String: String] = [:]
        for m in model.metadataProps { metadata[m.key] = m.value }
        return Graph(name: g.name.isEmpty ? "graph" : g.name, nodes: nodes, inputs: inputs, outputs: outputs,
                     initializers: kept, valueInfo: info, metadata: metadata)
    }

    /// The static type of a value; nil (or an error when `required`) for dynamic shapes.
    static func valueInfo(_ v: ONNXValueInfoProto, source: String, required: Bool) throws -> ValueInfo? {
        guard let type = v.type, type.isTensor, let shape = type.shape,
              shape.allSatisfy({ $0.value != nil && $0.value! >= 0 && $0.value! <= Int64(Int32.max) }) else {
            if required { throw ONNXError.dynamicShape(source: source, value: v.name) }
            return nil
        }
        guard shape.count <= ONNXTensorConversion.maxRank else {
            throw ONNXError.malformed(source: source, detail: "value '\(v.name)' has \(shape.count) dimensions")
        }
        guard let dtype = ONNXDataType.dtype(of: type.elemType) else {
            if required { throw ONNXError.unsupportedDType(source: source, tensor: v.name, dataType: type.elemType) }
            return nil
        }
        return ValueInfo(name: v.name, shape: shape.map { Int($0.value!) }, dtype: dtype)
    }
}
