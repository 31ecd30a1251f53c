import Foundation
import NN
import ONNX
import RPPG
import TensorCore
import TorchIO

/// Where the model of `rppg infer` comes from. A new source (an ONNX file) is one more case and
/// one more branch in `Infer.prepare`; loading the input, shape checks, running and writing stay.
public enum InferModelSource: Sendable {
    /// A PyTorch checkpoint of a zoo model; `nil` architecture means detect it from the keys.
    case checkpoint(URL, architecture: ZooArchitecture?)
    /// An ONNX model (FP32) read by `ONNXReader`; its static input shape must match the clips.
    case onnx(URL)
}

/// Options of `rppg infer`.
public struct InferOptions: Sendable {
    public var model: InferModelSource
    public var input: URL
    public var output: URL
    public var threads: Int
    /// Forward passes to time (after one warm-up); the result reports the median.
    public var repeats: Int
    public init(model: InferModelSource, input: URL, output: URL, threads: Int = Parallel.availableCores,
                repeats: Int = 1) {
        self.model = model
        self.input = input
        self.output = output
        self.threads = threads
        self.repeats = max(1, repeats)
    }
}

/// What `rppg infer` did.
public struct InferResult: Sendable {
    /// e.g. `physnet (detected)`.
    public var modelDescription: String
    public var match: ArchitectureMatch?
    public var inputShape: [Int]
    public var outputShape: [Int]
    /// Wall time of the forward pass, seconds (median over `repeats` when timing).
    public var seconds: Double
    /// Passes timed.
    public var repeats: Int
}

/// A user-facing error of `rppg infer` (bad input file or shape).
public struct InferError: UserFacingError {
    public var message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}

/// FP32 inference of a zoo model on clips stored in a `.pt` file.
public enum Infer {
    /// Reads the input clips, builds and compiles the graph, runs it and writes
    /// `{'output': tensor [N, T]}` atomically to `options.output`.
    public static func run(_ options: InferOptions) throws -> InferResult {
        let input = try loadInput(options.input)
        let prepared = try prepare(options.model, inputShape: input.shape, inputFile: options.input.path)
        let executor = try FP32Executor(graph: GraphPasses.optimizeForInference(prepared.graph), threads: options.threads)
        var output = try executor.run(input)
        var times: [Double] = []
        if options.repeats > 1 {
            for _ in 0..<options.repeats {
                let start = DispatchTime.now().uptimeNanoseconds
                output = try executor.run(input)
                times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            }
        } else {
            let start = DispatchTime.now().uptimeNanoseconds
            output = try executor.run(input)
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        let seconds = times.sorted()[times.count / 2]
        try TorchFile.save(.stringDict([("output", .tensor(output))]), to: options.output)
        return InferResult(modelDescription: prepared.description, match: prepared.match, inputShape: input.shape,
                           outputShape: output.shape, seconds: seconds, repeats: times.count)
    }

    /// The clips of `url`: a float tensor `[N, 3, T, H, W]`, or a dict holding it under `input`.
    public static func loadInput(_ url: URL) throws -> Tensor {
        let value = try TorchFile.load(url)
        guard let tensor = value.tensor ?? value["input"]?.tensor else {
            throw InferError(message: "\(url.path): holds neither a tensor nor a dict with key 'input'; save the clips "
                             + "with torch.save(x, path) or torch.save({'input': x}, path).")
        }
        guard tensor.dtype.isFloatingPoint else {
            throw InferError(message: "\(url.path): the input tensor is \(tensor.dtype.rawValue); expected floating-point clips [N, 3, T, H, W].")
        }
        let f = tensor.toFloat32()
        let bad = f.withUnsafeBufferPointer(of: Float.self) { $0.contains { !$0.isFinite } }
        if bad {
            throw InferError(message: "\(url.path): the input holds NaN or infinite values; preprocess the clips again.")
        }
        return f
    }

    struct Prepared {
        var graph: Graph
        var description: String
        var match: ArchitectureMatch?
    }

    static func prepare(_ source: InferModelSource, inputShape: [Int], inputFile: String) throws -> Prepared {
        switch source {
        case .checkpoint(let url, let forced):
            let checkpoint = try Checkpoint.load(url)
            var match: ArchitectureMatch?
            let architecture: ZooArchitecture
            if let forced {
                architecture = forced
            } else {
                match = try ModelZoo.detect(checkpoint.stateDict)
                architecture = match!.architecture
            }
            try checkShape(inputShape, for: architecture, file: inputFile)
            let graph = try ModelZoo.graph(architecture, stateDict: checkpoint.stateDict, batch: inputShape[0],
                                           frames: inputShape[2])
            return Prepared(graph: graph, description: architecture.rawValue + (forced == nil ? " (detected)" : ""),
                            match: match)
        case .onnx(let url):
            let graph = try ONNXReader.read(url)
            guard graph.inputs.count == 1, graph.outputs.count == 1 else {
                throw InferError(message: "\(url.path): the model has \(graph.inputs.count) inputs and \(graph.outputs.count) outputs; rppg infer runs single-input, single-output models.")
            }
            guard graph.inputs[0].shape == inputShape else {
                throw InferError(message: "\(inputFile): the input has shape \(inputShape) but \(url.lastPathComponent) expects \(graph.inputs[0].shape) (ONNX models have static shapes; re-export with matching --batch/--frames).")
            }
            let architecture = graph.metadata["architecture"].map { " (\($0))" } ?? ""
            return Prepared(graph: graph, description: "ONNX \(url.lastPathComponent)\(architecture)", match: nil)
        }
    }

    /// The clip shape a zoo model takes: `[N, 3, T, S, S]` with S its frame size (T a multiple
    /// of 4 for PhysNet, whose encoder halves time twice).
    public static func checkShape(_ shape: [Int], for a: ZooArchitecture, file: String) throws {
        let s = ModelZoo.inputSize(a)
        let expected = "[N, 3, T, \(s), \(s)] (N clips of T frames\(a == .physNet ? ", T a multiple of 4" : ""); "
            + "T is \(ModelZoo.defaultFrames(a)) in training)"
        let fits = shape.count == 5 && shape[0] >= 1 && shape[1] == 3 && shape[2] >= 1 && shape[3] == s && shape[4] == s
            && (a != .physNet || shape[2] % 4 == 0)
        guard fits else {
            throw InferError(message: "\(file): the input has shape \(shape) but \(a.rawValue) expects \(expected).")
        }
    }
}
