import Foundation
import RPPG
import TensorCore

/// Options of `rppg preprocess`.
public struct PreprocessOptions: Sendable {
    /// Dataset layout: `ubfc` (UBFC-rPPG DATASET_2 / DATASET_1) or `pure` (``PUREDataset``).
    public var dataset: String = "ubfc"
    /// Folder holding the subject folders.
    public var rawData: URL
    /// Output folder; the file is `<output>/<dataset>_processed.pt`.
    public var output: URL
    /// Clip side in pixels.
    public var size: Int = 36
    /// Frames per chunk.
    public var chunkLength: Int = 128
    public var inputType: InputType = .diffNormalized
    /// DeepPhys's and TS-CAN's input (rPPG-Toolbox DATA_TYPE [DiffNormalized, Standardized]): with
    /// `inputType` DiffNormalized, each clip also holds the Standardized frames as channels 3–5
    /// (`[N, 6, T, S, S]`, labels DiffNormalized); the file's input_type is `diffnormalized+standardized`.
    public var standardizedChannels = false
    /// The labels' type when not the input's: rPPG-Toolbox's LABEL_TYPE, DiffNormalized for
    /// EfficientPhys's Standardized frames. Written into the file as `label_type`.
    public var labelType: InputType?
    /// What the labels are.
    public var effectiveLabelType: InputType { labelType ?? inputType }
    /// The input_type name written into the processed file.
    public var datasetInputType: String {
        standardizedChannels ? ProcessedDataset.diffNormalizedStandardized : inputType.rawValue
    }
    /// Worker threads (subjects run in parallel).
    public var threads: Int = Parallel.availableCores
    /// Re-detect the face every N frames (0: first frame only).
    public var redetectEvery: Int = 0
    /// Haar cascade file.
    public var cascadePath: String = HaarCascade.defaultPath
    /// Also write `<output>/<name>_face.png`: the first frame with the detected (green) and the
    /// crop (red) box, for a person to check.
    public var checkFace = false

    public init(rawData: URL, output: URL) {
        self.rawData = rawData
        self.output = output
    }

    /// The file the step writes.
    public var outputFile: URL { output.appendingPathComponent("\(dataset)_processed.pt") }
}

/// What `rppg preprocess` did.
public struct PreprocessResult: Sendable {
    public var outputFile: URL
    /// Subjects whose clips are in the file, in order.
    public var subjects: [Int]
    /// Subjects left out, with the reason (truncated video, bad ground truth, too short).
    public var skipped: [(subject: Int, reason: String)]
    /// Subjects where no face was found and the whole frame was used.
    public var wholeFrameSubjects: [Int]
    public var clipCount: Int
    public var framesRead: Int
    public var seconds: Double
    public var warnings: [String]
    /// `<output>/<name>_meta.json` of each processed subject (face boxes, fallback, clips), and
    /// `<name>_face.png` with `checkFace`.
    public var metaFiles: [URL] = []
}

/// Progress of one subject: frames done out of total.
public typealias PreprocessProgress = @Sendable (_ subject: Int, _ framesDone: Int, _ frameCount: Int) -> Void

/// The `preprocess` step: UBFC-rPPG folder → `ubfc_processed.pt`.
public enum Preprocess {
    public static func run(_ options: PreprocessOptions, progress: PreprocessProgress? = nil) throws -> PreprocessResult {
        let start = Date()
        guard options.size >= 4 && options.size <= 512 else { throw TensorError.invalidArgument("--size must be between 4 and 512, got \(options.size)") }
        guard options.chunkLength >= 1 && options.chunkLength <= 10_000 else {
            throw TensorError.invalidArgument("--chunk must be between 1 and 10000, got \(options.chunkLength)")
        }
        let subjects = try RawSubject.list(options.dataset, in: options.rawData)
        var warnings: [String] = []
        let detector = try HaarDetector.loadOrWarn(path: options.cascadePath, warnings: &warnings, instead: "Using the whole frame for every subject.")
        var cropOptions = FaceCropOptions(size: options.size)
        cropOptions.redetectEvery = options.redetectEvery

        let outcomes = OutcomeBox(count: subjects.count)
        Parallel.forEach(subjects.count, threads: max(1, options.threads)) { i in
            let subject = subjects[i]
            do {
                let chunks = try processSubject(subject, detector: detector, crop: cropOptions, options: options, progress: progress)
                outcomes.set(i, .success(chunks))
            } catch let error as UserFacingError {
                outcomes.set(i, .failure(error.description))
            } catch {
                outcomes.set(i, .failure("\(error)"))
            }
        }

        var parts: [SubjectChunks] = []
        var metas: [PreprocessMeta] = []
        var faceImages: [(name: String, frame: VideoFrame)] = []
        var skipped: [(Int, String)] = []
        var wholeFrame: [Int] = []
        var frames = 0
        var fps: Double? = nil
        for (i, outcome) in outcomes.values.enumerated() {
            switch outcome {
            case .success(let r):
                frames += r.frames
                metas.append(r.meta)
                if let image = r.faceImage { faceImages.append((r.meta.name, image)) }
                if r.fallback { wholeFrame.append(subjects[i].number) }
                if r.chunks.count == 0 {
                    skipped.append((subjects[i].number, "shorter than one chunk of \(options.chunkLength) frames"))
                    continue
                }
                if let f = fps, abs(f - r.fps) > 0.5 {
                    warnings.append("subject \(subjects[i].number) runs at \(r.fps) fps, others at \(f) fps; the file records \(f).")
                }
                fps = fps ?? r.fps
                parts.append(r.chunks)
            case .failure(let reason):
                skipped.append((subjects[i].number, reason))
            case nil:
                skipped.append((subjects[i].number, "not processed"))
            }
        }
        guard !parts.isEmpty, let fps else {
            throw DatasetError.noClips(path: options.rawData.path,
                                       details: skipped.map { "subject \($0.0): \($0.1)" }.joined(separator: "; "))
        }
        let dataset = assemble(parts, fps: fps, options: options)
        try dataset.save(to: options.outputFile)
        var metaFiles: [URL] = []
        for meta in metas {
            let url = PreprocessMeta.url(output: options.output, name: meta.name)
            try AtomicFile.write(try JSONOutput.encode(meta) + Data("\n".utf8), to: url)
            metaFiles.append(url)
        }
        for image in faceImages {
            let url = options.output.appendingPathComponent("\(image.name)_face.png")
            try PNGWriter.write(image.frame, to: url)
            metaFiles.append(url)
        }
        return PreprocessResult(outputFile: options.outputFile, subjects: parts.map { $0.subject }, skipped: skipped,
                                wholeFrameSubjects: wholeFrame, clipCount: dataset.count, framesRead: frames,
                                seconds: Date().timeIntervalSince(start), warnings: warnings, metaFiles: metaFiles)
    }

    struct SubjectOutcome {
        var chunks: SubjectChunks; var frames: Int; var fps: Double; var fallback: Bool
        var meta: PreprocessMeta
        /// First frame with the boxes drawn (`checkFace` only).
        var faceImage: VideoFrame?
    }

    /// One subject: read and crop the video, normalise frames and labels, chunk.
    static func processSubject(_ subject: RawSubject, detector: HaarDetector?, crop: FaceCropOptions,
                               options: PreprocessOptions, progress: PreprocessProgress?) throws -> SubjectOutcome {
        switch subject {
        case .ubfc(let s):
            let gt = try s.loadGroundTruth()
            let reader = try AVIReader(url: s.video)
            let video = try cropFrames(reader, number: s.number, detector: detector, crop: crop, progress: progress)
            let (ppg, hr) = s.frameSignals(gt, frames: video.frameCount, fps: video.fps)
            return try finish(video, source: reader, number: s.number, name: s.folder.lastPathComponent, path: s.video,
                              ppg: ppg, hr: hr, options: options)
        case .pure(let s):
            let labels = try PURELabels.load(s.labels)
            let fps = labels.frameRate
            let frames = try PNGFrameFolder(s.frameFolder, frameRate: fps)
            guard labels.imageTimes.count == frames.frameCount else {
                throw DatasetError.badGroundTruth(path: s.labels.path, line: 0, reason: "lists \(labels.imageTimes.count) \"/Image\" timestamps but \(s.frameFolder.path) holds \(frames.frameCount) PNG frames")
            }
            let video = try cropFrames(frames, number: s.number, detector: detector, crop: crop, progress: progress)
            // The pulse oximeter and the camera sample at their own times: the label of a frame
            // is the waveform interpolated at that frame's timestamp.
            return try finish(video, source: frames, number: s.number, name: s.name, path: s.frameFolder,
                              ppg: labels.waveform(at: labels.imageTimes), hr: [], options: options)
        }
    }

    static func cropFrames(_ source: some FrameSource, number: Int, detector: HaarDetector?, crop: FaceCropOptions,
                           progress: PreprocessProgress?) throws -> CroppedVideo {
        let total = source.frameCount
        return try FaceCrop.process(source, detector: detector, options: crop) { done in
            if done == total || done % 32 == 0 { progress?(number, done, total) }
        }
    }

    /// The steps after cropping, the same for every dataset: transform, chunk, record the boxes.
    static func finish(_ cropped: CroppedVideo, source reader: some FrameSource, number: Int, name: String, path: URL,
                       ppg: [Double], hr: [Double], options: PreprocessOptions) throws -> SubjectOutcome {
        var video = cropped
        let t = video.frameCount
        var standardized = options.standardizedChannels ? video.frames : []
        InputTransform.apply(options.inputType, frames: &video.frames, frameCount: t)
        let labels = InputTransform.label(options.effectiveLabelType, ppg)
        var chunks = Chunking.chunks(subject: number, frames: video.frames, frameCount: t, size: video.size,
                                     labels: labels, heartRate: hr, rawPPG: ppg, fps: video.fps, length: options.chunkLength)
        if options.standardizedChannels {
            // Channels 3–5: the same chunks of the Standardized frames, after each clip's 3 channels.
            InputTransform.apply(.standardized, frames: &standardized, frameCount: t)
            let extra = Chunking.chunks(subject: number, frames: standardized, frameCount: t, size: video.size,
                                        labels: labels, heartRate: hr, rawPPG: ppg, fps: video.fps, length: options.chunkLength)
            chunks.clips = Chunking.stackingChannels(chunks.clips, extra.clips, clips: chunks.count)
        }
        let meta = PreprocessMeta(name: name, video: path, width: reader.width,
                                  height: reader.height, cropped: video, clips: chunks.count)
        var faceImage: VideoFrame?
        if options.checkFace {
            var first = VideoFrame(width: reader.width, height: reader.height)
            try reader.readFrame(0, into: &first)
            if let crop = video.boxes.first { FaceBoxDrawing.draw(crop, colour: (255, 0, 0), on: &first) }
            if let detected = video.detections.first ?? nil { FaceBoxDrawing.draw(detected, colour: (0, 255, 0), on: &first) }
            faceImage = first
        }
        return SubjectOutcome(chunks: chunks, frames: t, fps: video.fps, fallback: video.fallbacks > 0, meta: meta,
                              faceImage: faceImage)
    }

    static func assemble(_ parts: [SubjectChunks], fps: Double, options: PreprocessOptions) -> ProcessedDataset {
        let n = parts.reduce(0) { $0 + $1.count }
        let l = options.chunkLength, s = options.size
        var clips = Tensor(zeros: [n, options.standardizedChannels ? 6 : 3, l, s, s])
        var labels = Tensor(zeros: [n, l])
        var hr: [Float] = [], subject: [Int64] = [], chunk: [Int64] = [], fromSensor: [Bool] = []
        clips.withUnsafeMutableBufferPointer(of: Float.self) { dst in
            var o = 0
            for p in parts {
                for (k, v) in p.clips.enumerated() { dst[o + k] = v }
                o += p.clips.count
            }
        }
        labels.withUnsafeMutableBufferPointer(of: Float.self) { dst in
            var o = 0
            for p in parts {
                for (k, v) in p.labels.enumerated() { dst[o + k] = v }
                o += p.labels.count
            }
        }
        for p in parts {
            hr += p.hr
            fromSensor += p.hrFromSensor.count == p.count ? p.hrFromSensor : [Bool](repeating: false, count: p.count)
            subject += [Int64](repeating: Int64(p.subject), count: p.count)
            chunk += (0..<p.count).map { Int64($0) }
        }
        return ProcessedDataset(clips: clips, labels: labels, hr: Tensor(shape: [n], scalars: hr),
                                subject: Tensor(shape: [n], scalars: subject), chunk: Tensor(shape: [n], scalars: chunk),
                                fps: fps, inputType: options.datasetInputType, size: s, hrFromSensor: fromSensor,
                                labelType: options.effectiveLabelType.rawValue)
    }
}

/// Per-subject results written from worker threads.
final class OutcomeBox: @unchecked Sendable {
    enum Outcome { case success(Preprocess.SubjectOutcome); case failure(String) }
    private let lock = NSLock()
    private(set) var values: [Outcome?]
    init(count: Int) { values = [Outcome?](repeating: nil, count: count) }
    func set(_ i: Int, _ v: Outcome) { lock.lock(); values[i] = v; lock.unlock() }
}
