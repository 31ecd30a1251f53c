import Foundation
import NN
import ONNX
import RPPG
import TensorCore
import TorchIO

/// Where the model of `rppg infer` comes from. A new source is one more case here and in
/// ``LoadedModel``; loading the input, shape checks, running and writing stay.
public enum InferModelSource: Sendable {
    /// A PyTorch checkpoint of a zoo model; `nil` architecture means detect it from the keys.
    case checkpoint(URL, architecture: ZooArchitecture?)
    /// An ONNX model (FP32 or QDQ) read by `ONNXReader`; its static input shape must match the clips.
    case onnx(URL)
}

/// A model read from disk, before its graph is fixed to the input's batch and frame count
/// (a checkpoint builds its graph for any N and T; an ONNX file has static shapes).
enum LoadedModel {
    case checkpoint(Checkpoint, URL, ZooArchitecture, match: ArchitectureMatch?)
    case onnx(Graph, URL)

    struct Prepared {
        var graph: Graph
        var description: String
        var match: ArchitectureMatch?
        /// Clips the graph takes per run.
        var batch: Int
        /// The model file, for error messages.
        var file: String
    }

    static func load(_ source: InferModelSource) throws -> LoadedModel {
        switch source {
        case .checkpoint(let url, let forced):
            let checkpoint = try Checkpoint.load(url)
            if let forced { return .checkpoint(checkpoint, url, forced, match: nil) }
            let match = try ModelZoo.detect(checkpoint)
            return .checkpoint(checkpoint, url, match.architecture, match: match)
        case .onnx(let url):
            let graph = try ONNXReader.read(url)
            guard graph.inputs.count == 1, graph.outputs.count == 1 else {
                throw InferError(message: "\(url.path): the model has \(graph.inputs.count) inputs and \(graph.outputs.count) outputs; rppg infer runs single-input, single-output models.")
            }
            return .onnx(graph, url)
        }
    }

    /// The graph for clips of `inputShape`, after checking that they fit the model.
    func prepare(inputShape: [Int], inputFile: String) throws -> Prepared {
        switch self {
        case .checkpoint(let checkpoint, let url, let architecture, let match):
            try Infer.checkShape(inputShape, for: architecture, file: inputFile)
            if case .frames(_, let extra) = architecture.inputLayout {
                // Frame models take all rows in one run: one "clip" of rows (− 1 for EfficientPhys) frames.
                let graph = try ModelZoo.graph(architecture, stateDict: checkpoint.stateDict, batch: 1,
                                               frames: inputShape[0] - (extra ? 1 : 0), inputSize: inputShape[3])
                return Prepared(graph: graph, description: architecture.rawValue + (match != nil ? " (detected)" : ""),
                                match: match, batch: inputShape[0], file: url.path)
            }
            let graph = try ModelZoo.graph(architecture, stateDict: checkpoint.stateDict, batch: inputShape[0],
                                           frames: inputShape[2])
            return Prepared(graph: graph, description: architecture.rawValue + (match != nil ? " (detected)" : ""),
                            match: match, batch: inputShape[0], file: url.path)
        case .onnx(let graph, let url):
            let expected = graph.inputs[0].shape
            // A batch-1 model runs N clips one by one; every other dimension must match.
            guard expected.count == inputShape.count, !expected.isEmpty,
                  expected.dropFirst() == inputShape.dropFirst(),
                  expected[0] == inputShape[0] || expected[0] == 1 else {
                throw InferError(message: "\(inputFile): the input has shape \(inputShape) but \(url.lastPathComponent) expects \(expected) (ONNX models have static shapes; re-export with matching --batch/--frames).")
            }
            let architecture = graph.metadata["architecture"].map { " (\($0))" } ?? ""
            return Prepared(graph: graph, description: "ONNX \(url.lastPathComponent)\(architecture)", match: nil,
                            batch: expected[0], file: url.path)
        }
    }
}
