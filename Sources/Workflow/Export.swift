import Foundation
import NN
import ONNX
import Quantization
import RPPG
import TensorCore
import TorchIO

/// Settings of `rppg export`.
public struct ExportOptions: Sendable {
    public var checkpoint: URL
    public var output: URL
    /// `auto` (detect from the state-dict keys) or a zoo name (`tinypulse`, `physnet`, `factorizephys`).
    public var model: String
    public var opset: Int
    /// Clip length; nil takes the architecture's default.
    public var frames: Int?
    public var batch: Int

    public init(checkpoint: URL, output: URL, model: String = "auto", opset: Int = 13, frames: Int? = nil, batch: Int = 1) {
        self.checkpoint = checkpoint
        self.output = output
        self.model = model
        self.opset = opset
        self.frames = frames
        self.batch = batch
    }
}

/// What `rppg export` wrote.
public struct ExportResult: Sendable {
    public var output: URL
    public var architecture: String
    public var opset: Int
    public var inputShape: [Int]
    public var outputShape: [Int]
    public var nodeCount: Int
    public var parameterCount: Int
    public var fileBytes: Int
    public var metadata: [String: String]

    /// One paragraph for the terminal.
    public func text() -> String {
        var lines = [
            "Exported \(architecture) to \(output.path) (\(fileBytes) bytes, opset \(opset), IR \(ONNXWriter.irVersion(forOpset: opset)))",
            "input \(inputShape) → output \(outputShape); \(nodeCount) nodes, \(parameterCount) parameters (BatchNorm folded)",
        ]
        lines += metadata.keys.sorted().map { "  \($0): \(metadata[$0]!)" }
        return lines.joined(separator: "\n")
    }
}

/// A bad `rppg export` request.
public struct ExportError: UserFacingError {
    public var message: String
    public var description: String { message }
}

/// `rppg export`: PyTorch checkpoint → zoo graph → inference passes (BatchNorm folded, dropout
/// removed) → ONNX, with the provenance in the model's metadata.
public enum ExportModel {
    public static func run(_ options: ExportOptions) throws -> ExportResult {
        guard ONNXWriter.supportedOpsets.contains(options.opset) else {
            throw ExportError(message: "--opset \(options.opset) is not supported; use 13…21 (13 is what ST Edge AI and most runtimes expect).")
        }
        guard options.batch >= 1, options.batch <= 1024 else {
            throw ExportError(message: "--batch \(options.batch) must be between 1 and 1024 (STM32N6 deployment needs 1).")
        }
        if let f = options.frames, f < 1 || f > 100_000 {
            throw ExportError(message: "--frames \(f) must be a positive clip length.")
        }
        let (graph, architecture, metadata) = try inferenceGraph(options)
        // A model with newer ops (PhysFormer's LayerNormalization) is written at the first opset
        // that has them; the result (and the CLI's line) says which.
        let opset = max(options.opset, QDQInsertion.requiredOpset(graph))
        let data = try ONNXWriter.encode(graph, opset: opset)
        try AtomicFile.write(data, to: options.output)
        return ExportResult(
            output: options.output, architecture: architecture.rawValue, opset: opset,
            inputShape: graph.inputs.first?.shape ?? [], outputShape: graph.outputs.first?.shape ?? [],
            nodeCount: graph.nodes.count, parameterCount: graph.parameterCount, fileBytes: data.count, metadata: metadata)
    }

    /// The checkpoint's zoo graph for inference (BatchNorm folded, dropout removed, shapes
    /// inferred) with the provenance metadata; what `rppg export` writes and `rppg qat` starts from.
    static func inferenceGraph(_ options: ExportOptions) throws -> (Graph, ZooArchitecture, [String: String]) {
        let checkpoint = try Checkpoint.load(options.checkpoint)
        try FiniteWeights.check(checkpoint.stateDict, source: options.checkpoint)
        let architecture: ZooArchitecture
        if options.model.lowercased() == "auto" {
            architecture = try ModelZoo.detect(checkpoint).architecture
        } else if let a = ZooArchitecture(rawValue: options.model.lowercased()) {
            architecture = a
        } else {
            let names = ZooArchitecture.allCases.map(\.rawValue).joined(separator: ", ")
            throw ExportError(message: "--model \(options.model) is not a zoo model; use auto or one of \(names).")
        }
        let frames = options.frames ?? ModelZoo.defaultFrames(architecture)
        var graph = try ModelZoo.graph(architecture, stateDict: checkpoint.stateDict, batch: options.batch, frames: frames)
        graph = GraphPasses.optimizeForInference(graph)
        graph.name = architecture.rawValue

        var metadata = graph.metadata
        metadata["architecture"] = architecture.rawValue
        metadata["source_checkpoint"] = options.checkpoint.lastPathComponent
        metadata["frames"] = String(frames)
        metadata["input_size"] = String(graph.inputs.first?.shape.last ?? ModelZoo.inputSize(architecture))
        if let epoch = checkpoint.epoch { metadata["epoch"] = String(epoch) }
        if let mae = checkpoint.valMAE { metadata["val_mae"] = String(mae) }
        metadata.merge(TrainingRecord.metadata(checkpoint.root["config"])) { _, new in new }
        metadata["exporter"] = "\(ONNXWriter.producerName) \(ONNXWriter.producerVersion)"
        graph.metadata = metadata
        // Intermediate shapes go into value_info so that viewers and vendor tools show them.
        try ShapeInference.run(&graph)

        return (graph, architecture, metadata)
    }
}
