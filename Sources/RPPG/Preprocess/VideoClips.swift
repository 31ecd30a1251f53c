import Foundation
import TensorCore

/// One video turned into model input the way `rppg preprocess` turns a subject into clips: face
/// crop, resize, input transform, non-overlapping chunks of `frames` (the tail is dropped).
public struct VideoClips: Sendable {
    /// `[N, C, frames, size, size]` float32, channel-first as the models take it: C = 3, or 6 with
    /// `standardizedChannels` (DeepPhys, TS-CAN).
    public var clips: Tensor
    public var fps: Double
    /// Frames read from the video (the clips cover `N · frames` of them).
    public var framesRead: Int
    /// Crop box of each detection window.
    public var boxes: [FaceBox]
    /// Detections that found no face and used the whole frame.
    public var fallbacks: Int

    /// Reads `url` (an AVI) and cuts it into clips. `detector == nil` crops the whole frame.
    /// `standardizedChannels` adds the Standardized frames as channels 3–5, as `rppg preprocess
    /// --input-type diffnormalized+standardized` does.
    public static func load(_ url: URL, frames framesPerClip: Int, size: Int, inputType: InputType, standardizedChannels: Bool = false,
                            detector: HaarDetector?, redetectEvery: Int = 0) throws -> VideoClips {
        let reader = try AVIReader(url: url)
        guard reader.frameCount >= framesPerClip else {
            throw DatasetError.tooShort(path: url.path, frames: reader.frameCount, needed: framesPerClip)
        }
        var crop = FaceCropOptions(size: size)
        crop.redetectEvery = redetectEvery
        var video = try FaceCrop.process(reader, detector: detector, options: crop)
        let t = video.frameCount
        var standardized = standardizedChannels ? video.frames : []
        InputTransform.apply(inputType, frames: &video.frames, frameCount: t)
        // No labels: the chunker's label and heart-rate slots are filled with zeros and dropped.
        let zeros = [Double](repeating: 0, count: t)
        let cut = { (frames: [Float]) in
            Chunking.chunks(subject: 0, frames: frames, frameCount: t, size: size, labels: [Float](repeating: 0, count: t),
                            heartRate: zeros, rawPPG: zeros, fps: video.fps, length: framesPerClip)
        }
        var chunks = cut(video.frames)
        if standardizedChannels {
            InputTransform.apply(.standardized, frames: &standardized, frameCount: t)
            chunks.clips = Chunking.stackingChannels(chunks.clips, cut(standardized).clips, clips: chunks.count)
        }
        let clips = Tensor(shape: [chunks.count, standardizedChannels ? 6 : 3, framesPerClip, size, size], scalars: chunks.clips)
        return VideoClips(clips: clips, fps: video.fps, framesRead: t, boxes: video.boxes, fallbacks: video.fallbacks)
    }
}
