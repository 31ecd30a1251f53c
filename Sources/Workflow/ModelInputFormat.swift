import Foundation
import RPPG
import TensorCore

/// What a model takes from a video, for the steps that cut videos themselves (`infer --video`,
/// `monitor`): T frames of side S per clip, the transform of channels 0–2, the Standardized
/// frames as channels 3–5 (DeepPhys, TS-CAN), the labels' type its output follows (how the
/// waveform is read as a heart rate), and whether a clip goes in as frames `[T(+1), C, S, S]`.
/// A zoo model takes what rPPG-Toolbox's configs give it (``PipelineRecipe``), so a checkpoint
/// trained by `rppg train` or the toolbox reads a video as its training data was made.
struct ModelInputFormat: Equatable {
    var frames: Int
    var size: Int
    var inputType: InputType
    var standardizedChannels = false
    var labelType: InputType
    /// nil: clips `[1, C, T, S, S]`; else frames, with EfficientPhys's extra last frame or not.
    var extraFrame: Bool?

    var channels: Int { standardizedChannels ? 6 : 3 }
    /// One clip as `preprocess` stores it.
    var clipShape: [Int] { [1, channels, frames, size, size] }
    /// One clip as the model's graph takes it.
    var modelInputShape: [Int] {
        guard let extra = extraFrame else { return clipShape }
        return [frames + (extra ? 1 : 0), channels, size, size]
    }

    /// Zoo model `a` on clips of `frames` × `size`: the toolbox's input and label types;
    /// `inputType` (the user's `--input-type`) replaces the transform of channels 0–2; a clip
    /// model's labels are of its input's type (as `rppg preprocess` makes them), a frame model's
    /// DiffNormalized (the toolbox's LABEL_TYPE).
    static func zoo(_ a: ZooArchitecture, frames: Int, size: Int, inputType given: InputType?) -> ModelInputFormat {
        let recipe = PipelineRecipe.of(a)
        let input = given ?? recipe.inputType
        var extra: Bool?
        if case .frames(_, let e) = a.inputLayout { extra = e }
        return ModelInputFormat(frames: frames, size: size, inputType: input, standardizedChannels: recipe.standardizedChannels,
                                labelType: extra != nil ? recipe.labelType ?? input : input,
                                extraFrame: extra)
    }

    /// The clip `[1, C, T, S, S]` of one window of cropped frames (T × S × S × 3, oldest first):
    /// the input transform over the window (and the Standardized frames beside it), channel-first.
    func clip(window: [Float]) -> Tensor {
        var parts = [window]
        InputTransform.apply(inputType, frames: &parts[0], frameCount: frames)
        if standardizedChannels {
            parts.append(window)
            InputTransform.apply(.standardized, frames: &parts[1], frameCount: frames)
        }
        var clip = Tensor(zeros: clipShape)
        let n = 3 * frames * size * size
        clip.withUnsafeMutableBufferPointer(of: Float.self) { dst in
            for (k, values) in parts.enumerated() {
                values.withUnsafeBufferPointer {
                    Chunking.channelFirst($0, frames: frames, size: size,
                                          into: UnsafeMutableBufferPointer(rebasing: dst[(k * n)..<((k + 1) * n)]))
                }
            }
        }
        return clip
    }

    /// `forward` of a graph built for ``modelInputShape`` made to take one clip `[1, C, T, S, S]`
    /// and give its waveform `[1, T]`: frame models get the clip as frames (``FrameLayout``).
    func clipForward(_ forward: @escaping (Tensor) throws -> Tensor) -> (Tensor) throws -> Tensor {
        guard let extra = extraFrame else { return forward }
        return { clip in
            let y = try forward(FrameLayout.frames(fromClip: clip, extraFrame: extra)).floatValues()
            return Tensor(shape: [1, y.count], scalars: y)
        }
    }
}

extension LoadedModel {
    /// The input format of this model for video frames; `inputType` overrides the model's transform
    /// of channels 0–2. `step` names the command in errors.
    func inputFormat(inputType given: InputType?, step: String) throws -> ModelInputFormat {
        switch self {
        case .checkpoint(let checkpoint, _, let a, _):
            return .zoo(a, frames: ModelZoo.defaultFrames(a), size: ModelZoo.inputSize(a, stateDict: checkpoint.stateDict),
                        inputType: given)
        case .onnx(let graph, let url):
            let shape = graph.inputs[0].shape
            let named = graph.metadata["architecture"].flatMap(ZooArchitecture.init(rawValue:))
            if shape.count == 5, shape[1] == 3, shape[2] >= 1, shape[3] >= 1, shape[3] == shape[4],
               named.map({ $0.inputLayout == .clips }) ?? true {
                guard let a = named else {
                    // No zoo model recorded: DiffNormalized clips, as the bundled default takes.
                    let input = given ?? .diffNormalized
                    return ModelInputFormat(frames: shape[2], size: shape[3], inputType: input, labelType: input)
                }
                return .zoo(a, frames: shape[2], size: shape[3], inputType: given)
            }
            // Frames [T(+1), C, S, S]: the recorded zoo model, else the one the channels imply
            // (6: DeepPhys and TS-CAN, the same input; 3: EfficientPhys).
            if shape.count == 4, shape[1] == 6 || shape[1] == 3, shape[2] >= 1, shape[2] == shape[3] {
                let a = named ?? (shape[1] == 6 ? .deepPhys : .efficientPhys)
                if case .frames(let c, let extra) = a.inputLayout, c == shape[1], shape[0] > (extra ? 1 : 0) {
                    return .zoo(a, frames: shape[0] - (extra ? 1 : 0), size: shape[2], inputType: given)
                }
            }
            throw InferError(message: "\(url.path): input shape \(shape) is neither a clip [N, 3, T, S, S] nor frames "
                             + "[T(+1), 6 or 3, S, S] of a frame model; rppg \(step) needs a model made by rppg export "
                             + "or rppg quantize.")
        }
    }
}
