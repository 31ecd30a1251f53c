import Foundation
import ONNX
import TensorCore

/// What `rppg inspect FILE.onnx` reports. Built from the protobuf messages directly, so it also
/// describes models the runtime cannot execute (unknown ops, dynamic shapes).
public struct ONNXInspectReport: Codable, Sendable {
    /// Version of this JSON layout.
    public var schemaVersion = 1
    public var file: String
    public var fileBytes: Int
    /// Always `onnx-model`.
    public var kind = "onnx-model"
    public var irVersion: Int64
    public var opsets: [Opset]
    public var producer: String
    public var graphName: String
    public var inputs: [Value]
    public var outputs: [Value]
    /// Node count per op type (domain-qualified when not ai.onnx).
    public var opHistogram: [String: Int]
    public var nodeCount: Int
    public var initializerCount: Int
    /// Scalars held in initializers.
    public var parameterCount: Int
    public var metadata: [String: String]

    public struct Opset: Codable, Sendable {
        public var domain: String
        public var version: Int64
    }

    public struct Value: Codable, Sendable {
        public var name: String
        public var dtype: String
        /// Dimensions; -1 where the dimension is symbolic or unknown (see `dimNames`).
        public var shape: [Int]
        /// Symbolic dimension names, `""` for fixed ones; nil when every dimension is fixed.
        public var dimNames: [String]?
    }

    /// Human-readable report.
    public func text() -> String {
        func shapeText(_ v: Value) -> String {
            let dims = v.shape.enumerated().map { i, d in d >= 0 ? String(d) : (v.dimNames?[i].isEmpty == false ? v.dimNames![i] : "?") }
            return "\(v.name): \(v.dtype) [\(dims.joined(separator: ", "))]"
        }
        var lines = [
            "\(file) (\(fileBytes) bytes): ONNX model",
            "IR version \(irVersion); opsets: " + opsets.map { "\($0.domain.isEmpty ? "ai.onnx" : $0.domain) \($0.version)" }.joined(separator: ", "),
            "producer: \(producer.isEmpty ? "(none)" : producer); graph: \(graphName)",
            "inputs:",
        ]
        lines += inputs.map { "  " + shapeText($0) }
        lines.append("outputs:")
        lines += outputs.map { "  " + shapeText($0) }
        lines.append("\(nodeCount) nodes:")
        lines += opHistogram.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map { "  \($0.key) × \($0.value)" }
        lines.append("parameters: \(parameterCount) in \(initializerCount) initializers")
        if !metadata.isEmpty {
            lines.append("metadata:")
            lines += metadata.keys.sorted().map { "  \($0): \(metadata[$0]!)" }
        }
        return lines.joined(separator: "\n")
    }

    /// The report as pretty-printed JSON with sorted keys.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}

/// `rppg inspect` for ONNX files.
public enum InspectONNX {
    /// True when `url` names an ONNX file (by extension: protobuf has no magic number).
    public static func handles(_ url: URL) -> Bool { url.pathExtension.lowercased() == "onnx" }

    /// Reads the model at `url` and summarizes it.
    public static func run(_ url: URL) throws -> ONNXInspectReport {
        let data = try ONNXReader.loadBytes(url)
        let model = try ONNXReader.modelProto(data, source: url.path)
        let g = model.graph!
        let initializerNames = Set(g.initializer.map(\.name))
        var histogram: [String: Int] = [:]
        for n in g.node {
            let key = n.domain.isEmpty || n.domain == "ai.onnx" ? n.opType : "\(n.domain).\(n.opType)"
            histogram[key, default: 0] += 1
        }
        // Counting from dims only: the data need not be decoded (nor present, for external data).
        let parameters = g.initializer.reduce(0) { total, t in
            total + t.dims.reduce(1) { Int(clamping: $0.multipliedReportingOverflow(by: Int(clamping: $1)).partialValue) }
        }
        return ONNXInspectReport(
            file: url.path, fileBytes: data.count, irVersion: model.irVersion,
            opsets: model.opsetImport.map { .init(domain: $0.domain, version: $0.version) },
            producer: [model.producerName, model.producerVersion].filter { !$0.isEmpty }.joined(separator: " "),
            graphName: g.name,
            inputs: g.input.filter { !initializerNames.contains($0.name) }.map(value),
            outputs: g.output.map(value),
            opHistogram: histogram, nodeCount: g.node.count, initializerCount: g.initializer.count,
            parameterCount: parameters,
            metadata: Dictionary(model.metadataProps.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 }))
    }

    static func value(_ v: ONNXValueInfoProto) -> ONNXInspectReport.Value {
        let type = v.type
        let dtype = type.flatMap { ONNXDataType.dtype(of: $0.elemType)?.rawValue } ?? "type \(type?.elemType ?? 0)"
        let dims = type?.shape ?? []
        let shape = dims.map { d in d.value.map { Int(clamping: $0) } ?? -1 }
        let names = dims.map { $0.param ?? "" }
        return .init(name: v.name, dtype: dtype, shape: shape, dimNames: names.allSatisfy(\.isEmpty) ? nil : names)
    }
}
