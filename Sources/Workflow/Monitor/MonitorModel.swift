import Foundation
import RPPG
import TensorCore

/// The model of `rppg monitor`, compiled once for one clip (``ModelInputFormat``: a clip
/// `[1, C, T, S, S]`, or its frames for DeepPhys, TS-CAN and EfficientPhys), and the step from a
/// window of cropped frames to a heart rate.
struct MonitorModel {
    var format: ModelInputFormat
    var frames: Int { format.frames }
    var size: Int { format.size }
    var description: String
    var engine: InferEngine
    var forward: (Tensor) throws -> Tensor

    /// `options.model`, else the bundled INT8 model, else the bundled checkpoint (fp32, with a warning).
    static func load(_ options: MonitorOptions, warnings: inout [String]) throws -> MonitorModel {
        let source: InferModelSource
        if let given = options.model {
            source = given
        } else if let int8 = BundledModel.int8URL {
            source = .onnx(int8)
        } else if let checkpoint = BundledModel.url {
            source = .checkpoint(checkpoint, architecture: nil)
            warnings.append("the bundled INT8 model \(BundledModel.int8FileName) was not found; running the bundled "
                            + "checkpoint on the fp32 engine (set RPPG_MODELS to the Models folder, or pass --onnx).")
        } else {
            throw MonitorError("No model given and none bundled (Models/\(BundledModel.int8FileName)); pass --onnx "
                               + "MODEL_int8_qdq.onnx (made by rppg pipeline) or set RPPG_MODELS to the repository's Models folder.")
        }
        for case .onnx(let url) in [source] where !FileManager.default.fileExists(atPath: url.path) {
            throw MonitorError("Model \(url.path) not found. Make one with rppg pipeline (rppg-workdir/models/rppg_int8_qdq.onnx) "
                               + "or leave --onnx out to use the bundled INT8 model.")
        }
        let model = try LoadedModel.load(source)
        let format = try model.inputFormat(inputType: options.inputType, step: "monitor")
        let prepared = try model.prepare(inputShape: format.modelInputShape, inputFile: "a \(format.frames)-frame window")
        let engine = try InferEngine.choose(options.engine, graph: prepared.graph, source: source)
        let forward = try engine.compile(prepared.graph, threads: options.threads, file: prepared.file)
        return MonitorModel(format: format, description: prepared.description, engine: engine,
                            forward: format.clipForward(forward))
    }

    /// Heart rate (BPM) of one window (`frames` × S × S × 3 cropped values, oldest first): the
    /// model's input transform over the window, the model, then the per-clip pulse and FFT peak of `verify`.
    func heartRate(_ window: [Float], fps: Double) throws -> Double {
        let output = try forward(format.clip(window: window)).floatValues()
        guard let pulse = ClipHeartRate.pulse(output, fps: fps, diffNormalized: format.labelType == .diffNormalized) else {
            throw MonitorError("a \(frames)-frame window at \(fps) fps is too short for the heart-rate band-pass filter; "
                               + "use a model with more frames per clip.")
        }
        return ClipHeartRate.heartRate(pulse, fps: fps)
    }
}
