import Foundation
import NN
import ONNX
import RPPG
import TensorCore
import TorchIO

/// What `rppg infer` reads: preprocessed clips, or a video it crops and chunks itself.
public enum InferInput: Sendable {
    /// A `.pt` file holding `[N, 3, T, H, W]` float clips (or `{'input': ...}`).
    case clips(URL)
    /// An AVI video: face crop, the model's input transform (or `inputType`), chunks of its T
    /// frames (`rppg preprocess`'s steps); frame models get each chunk as frames.
    case video(URL, inputType: InputType?)
}

/// Options of `rppg infer`.
public struct InferOptions: Sendable {
    public var model: InferModelSource
    public var input: InferInput
    public var output: URL
    /// nil: int8 for a QDQ model, fp32 otherwise (``InferEngine/automatic(for:)``).
    public var engine: InferEngine?
    public var threads: Int
    /// Forward passes to time (after one warm-up); the result reports the median.
    public var repeats: Int
    /// Haar cascade for `.video` input; a missing file falls back to the whole frame, with a warning.
    public var cascadePath: String = HaarCascade.defaultPath
    public init(model: InferModelSource, input: InferInput, output: URL, engine: InferEngine? = nil,
                threads: Int = Parallel.availableCores, repeats: Int = 1) {
        self.model = model
        self.input = input
        self.output = output
        self.engine = engine
        self.threads = threads
        self.repeats = max(1, repeats)
    }
}

/// What `rppg infer` did (also its `--json` summary).
public struct InferResult: Sendable, Codable {
    /// e.g. `physnet (detected)`.
    public var modelDescription: String
    public var engine: InferEngine
    /// Checkpoint keys the model did not need (detected architectures only).
    public var unusedKeys: [String]
    public var inputShape: [Int]
    public var outputShape: [Int]
    /// Wall time of the forward pass over all clips, seconds (median over `repeats` when timing).
    public var seconds: Double
    /// Passes timed.
    public var repeats: Int
    public var threads: Int
    public var output: String
    /// Video input only: heart rate of the whole output (BPM), fps, face boxes and fallbacks.
    public var heartRate: Double?
    public var fps: Double?
    public var faceBoxes: [[Int]]?
    public var faceFallbacks: Int?
    public var warnings: [String]
}

/// A user-facing error of `rppg infer` (bad input file or shape).
public struct InferError: UserFacingError {
    public var message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}

/// Inference of a zoo model or an ONNX model (FP32 or QDQ) on clips or on a video.
public enum Infer {
    /// Reads the model and the input, compiles the chosen engine once, runs it and writes
    /// `{'output': tensor [N, T]}` atomically to `options.output`.
    public static func run(_ options: InferOptions) throws -> InferResult {
        let model = try LoadedModel.load(options.model)
        var warnings: [String] = []
        var video: (clips: VideoClips, format: ModelInputFormat)?
        let input: Tensor
        switch options.input {
        case .clips(let url):
            input = try loadInput(url)
        case .video(let url, let inputType):
            let format = try model.inputFormat(inputType: inputType, step: "infer --video")
            let detector = try HaarDetector.loadOrWarn(path: options.cascadePath, warnings: &warnings)
            let clips = try VideoClips.load(url, frames: format.frames, size: format.size, inputType: format.inputType,
                                            standardizedChannels: format.standardizedChannels, detector: detector)
            video = (clips, format)
            input = clips.clips
        }
        let inputFile: String
        switch options.input { case .clips(let u), .video(let u, _): inputFile = u.path }
        // A frame model runs a video's chunks one by one, each as frames; a clip model all at once.
        let frameModel = video.map { $0.format.extraFrame != nil } ?? false
        let prepared = try model.prepare(inputShape: frameModel ? video!.format.modelInputShape : input.shape, inputFile: inputFile)
        let engine = try InferEngine.choose(options.engine, graph: prepared.graph, source: options.model)
        var forward = try engine.compile(prepared.graph, threads: options.threads, file: prepared.file)
        if let video { forward = video.format.clipForward(forward) }
        let batched = try batches(input, modelBatch: frameModel ? 1 : prepared.batch, forward: forward, file: inputFile)
        var output = try batched()
        var times: [Double] = []
        for _ in 0..<(options.repeats > 1 ? options.repeats : 1) {
            let start = DispatchTime.now().uptimeNanoseconds
            output = try batched()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        let seconds = times.sorted()[times.count / 2]
        try TorchFile.save(.stringDict([("output", .tensor(output))]), to: options.output)
        var result = InferResult(
            modelDescription: prepared.description, engine: engine, unusedKeys: prepared.match?.unusedKeys ?? [],
            inputShape: input.shape, outputShape: output.shape, seconds: seconds, repeats: times.count,
            threads: options.threads, output: options.output.path, warnings: warnings)
        if let (clips, format) = video {
            result.fps = clips.fps
            result.faceBoxes = clips.boxes.map { [$0.x, $0.y, $0.width, $0.height] }
            result.faceFallbacks = clips.fallbacks
            result.heartRate = try heartRate(output, fps: clips.fps, diffNormalized: format.labelType == .diffNormalized)
        }
        return result
    }

    /// Runs every clip: in one call when the model's batch equals N, clip by clip when the model
    /// takes one clip (how `rppg export` writes ONNX files), else a shape error.
    static func batches(_ input: Tensor, modelBatch: Int, forward: @escaping (Tensor) throws -> Tensor,
                        file: String) throws -> () throws -> Tensor {
        let n = input.shape[0]
        if modelBatch == n { return { try forward(input) } }
        guard modelBatch == 1 else {
            throw InferError(message: "\(file): holds \(n) clips but the model takes batches of \(modelBatch); "
                             + "re-export with --batch 1 or --batch \(n).")
        }
        return {
            let outputs = try (0..<n).map { try forward(input.batch($0..<($0 + 1))) }
            let values = outputs.flatMap { $0.floatValues() }
            return Tensor(shape: [n] + outputs[0].shape.dropFirst(), scalars: values)
        }
    }

    /// The whole video's heart rate: clip outputs joined in order, then the evaluation's pulse
    /// chain (cumulative sum for DiffNormalized, detrend, band-pass) and the FFT peak.
    static func heartRate(_ output: Tensor, fps: Double, diffNormalized: Bool) throws -> Double {
        let signal = output.floatValues().map(Double.init)
        let pulse = try HeartRateEvaluation.pulse(signal, fps: fps, diffNormalized: diffNormalized)
        return HeartRate.estimate(pulse, fs: fps, method: .fft)
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

    /// The clip shape a zoo model takes: `[N, 3, T, S, S]` with S its frame size (T a multiple
    /// of 4 for PhysNet, whose encoder halves time twice).
    public static func checkShape(_ shape: [Int], for a: ZooArchitecture, file: String) throws {
        if case .frames(let c, let extra) = a.inputLayout {
            let shift = a == .deepPhys ? 1 : ModelZoo.frameDepth, rows = shape.first ?? 0
            let fits = shape.count == 4 && shape[1] == c && shape[2] == shape[3] && rows > (extra ? 1 : 0)
                && (rows - (extra ? 1 : 0)) % shift == 0
            guard fits else {
                throw InferError(message: "\(file): the input has shape \(shape) but \(a.rawValue) expects frames [N·T\(extra ? " + 1" : ""), \(c), S, S]"
                                 + (shift > 1 ? " with N·T a multiple of \(shift)" : "") + " (rPPG-Toolbox's layout).")
            }
            return
        }
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
