import Foundation
import TensorCore
import TorchIO

/// Preprocessed clips of a dataset, the file `rppg preprocess` writes (`data/ubfc_processed.pt`).
///
/// On disk it is a `torch.save` dict that `torch.load(weights_only=True)` opens:
/// `{'clips': f32 [N,3,T,H,W], 'labels': f32 [N,T], 'hr': f32 [N], 'subject': i64 [N],
///   'chunk': i64 [N], 'fps': float, 'input_type': str, 'size': int}`.
/// `hr` is the mean sensor heart rate over the chunk's frames (BPM); when a subject's ground
/// truth has no HR line, it is the periodogram peak (0.75–2.5 Hz) of the chunk's PPG.
/// The optional `'hr_sensor'`: bool [N] says which of the two each clip's `hr` is; files written
/// before it existed (or by other tools) lack it, and then nobody can tell.
/// The optional `'label_type'`: str is written when the labels are not of the input's type
/// (EfficientPhys: Standardized frames, DiffNormalized labels, rPPG-Toolbox's LABEL_TYPE).
public struct ProcessedDataset: Sendable {
    public var clips: Tensor
    public var labels: Tensor
    public var hr: Tensor
    /// Per clip, whether `hr` comes from the sensor's HR line; nil when the file does not say.
    public var hrFromSensor: [Bool]?
    public var subject: Tensor
    public var chunk: Tensor
    public var fps: Double
    /// `diffnormalized`, `standardized` or `raw`.
    public var inputType: String
    /// Clip height and width in pixels.
    public var size: Int
    /// What the labels are: `diffnormalized`, `standardized` or `raw` (HR evaluation cumulates
    /// DiffNormalized waveforms first). By default that of the input (DiffNormalized for
    /// `diffnormalized+standardized`).
    public var labelType: String

    public init(clips: Tensor, labels: Tensor, hr: Tensor, subject: Tensor, chunk: Tensor,
                fps: Double, inputType: String, size: Int, hrFromSensor: [Bool]? = nil, labelType: String? = nil) {
        self.clips = clips
        self.hrFromSensor = hrFromSensor
        self.labels = labels
        self.hr = hr
        self.subject = subject
        self.chunk = chunk
        self.fps = fps
        self.inputType = inputType
        self.size = size
        self.labelType = labelType ?? Self.defaultLabelType(inputType)
    }

    /// The label type of a file that does not say: the input's (DiffNormalized for the six channels).
    public static func defaultLabelType(_ inputType: String) -> String {
        inputType == diffNormalizedStandardized ? InputType.diffNormalized.rawValue : inputType
    }

    /// Whether the labels are DiffNormalized (HR evaluation takes their cumulative sum first).
    public var labelsAreDiffNormalized: Bool { labelType.lowercased() == InputType.diffNormalized.rawValue }

    /// Number of clips.
    public var count: Int { clips.shape.first ?? 0 }
    /// Frames per clip.
    public var chunkLength: Int { clips.rank == 5 ? clips.shape[2] : 0 }

    /// Loads and validates a processed dataset file.
    public static func load(_ url: URL) throws -> ProcessedDataset {
        let root = try TorchFile.load(url)
        func fail(_ why: String) -> DatasetError { .invalidProcessedFile(path: url.path, reason: why) }
        func tensor(_ key: String) throws -> Tensor {
            guard let t = root[key]?.tensor else { throw fail("the key '\(key)' is missing or is not a tensor") }
            return t
        }
        guard case .dict = root else { throw fail("it does not hold a dict") }
        var clips = try tensor("clips"), labels = try tensor("labels"), hr = try tensor("hr")
        var subject = try tensor("subject"), chunk = try tensor("chunk")
        guard let fps = root["fps"]?.doubleValue else { throw fail("'fps' is missing") }
        guard let inputType = root["input_type"]?.stringValue else { throw fail("'input_type' is missing") }
        guard let size = root["size"]?.intValue else { throw fail("'size' is missing") }
        // Accept float64 / int32 variants written by other tools; store the canonical dtypes.
        if clips.dtype != .float32 { clips = clips.toFloat32() }
        if labels.dtype != .float32 { labels = labels.toFloat32() }
        if hr.dtype != .float32 { hr = hr.toFloat32() }
        if subject.dtype != .int64 { subject = Tensor(shape: subject.shape, scalars: subject.doubleValues().map { Int64($0) }) }
        if chunk.dtype != .int64 { chunk = Tensor(shape: chunk.shape, scalars: chunk.doubleValues().map { Int64($0) }) }
        // Absent in older files: verify then falls back to the label waveform's HR.
        let sensor = root["hr_sensor"]?.tensor.map { t in t.doubleValues().map { $0 != 0 } }
        let dataset = ProcessedDataset(clips: clips, labels: labels, hr: hr, subject: subject, chunk: chunk,
                                       fps: fps, inputType: inputType, size: size, hrFromSensor: sensor,
                                       labelType: root["label_type"]?.stringValue)
        try dataset.validate(path: url.path)
        return dataset
    }

    /// Checks shapes, dtypes and values; throws a ``DatasetError`` naming `path`.
    public func validate(path: String) throws {
        func fail(_ why: String) -> DatasetError { .invalidProcessedFile(path: path, reason: why) }
        let channels = inputType == Self.diffNormalizedStandardized ? 6 : 3
        guard clips.rank == 5, clips.shape[1] == channels else {
            throw fail("'clips' has shape \(clips.shape), expected [N, \(channels), T, H, W] for input_type '\(inputType)'")
        }
        let n = clips.shape[0], t = clips.shape[2]
        guard clips.shape[3] == clips.shape[4] else { throw fail("clips are \(clips.shape[3])×\(clips.shape[4]), expected square frames") }
        guard labels.shape == [n, t] else { throw fail("'labels' has shape \(labels.shape), expected [\(n), \(t)]") }
        guard hr.shape == [n] else { throw fail("'hr' has shape \(hr.shape), expected [\(n)]") }
        if let s = hrFromSensor, s.count != n { throw fail("'hr_sensor' has \(s.count) values, expected \(n)") }
        guard subject.shape == [n], chunk.shape == [n] else { throw fail("'subject'/'chunk' must have shape [\(n)]") }
        guard size == clips.shape[3] else { throw fail("'size' is \(size) but clips are \(clips.shape[3]) pixels wide") }
        guard fps > 0, fps.isFinite else { throw fail("'fps' is \(fps)") }
        guard InputType(name: inputType) != nil || inputType == Self.diffNormalizedStandardized else {
            throw fail("unknown input_type '\(inputType)'")
        }
        guard InputType(name: labelType) != nil else { throw fail("unknown label_type '\(labelType)'") }
        for (name, t) in [("clips", clips), ("labels", labels), ("hr", hr)] {
            let bad = t.withUnsafeBufferPointer(of: Float.self) { p in p.firstIndex { !$0.isFinite } }
            if let bad { throw fail("'\(name)' holds a NaN or infinite value at flat index \(bad)") }
        }
    }

    /// The dict `torch.load` returns for this dataset.
    public var pickleValue: PickleValue {
        var entries: [(String, PickleValue)] = [
            ("clips", .tensor(clips)), ("labels", .tensor(labels)), ("hr", .tensor(hr)),
            ("subject", .tensor(subject)), ("chunk", .tensor(chunk)),
            ("fps", .float(fps)), ("input_type", .string(inputType)), ("size", .int(Int64(size))),
        ]
        if let s = hrFromSensor { entries.append(("hr_sensor", .tensor(Tensor(shape: [s.count], scalars: s)))) }
        // Only when it differs, so that files of the default kind keep their bytes.
        if labelType != Self.defaultLabelType(inputType) { entries.append(("label_type", .string(labelType))) }
        return .stringDict(entries)
    }

    /// Writes the dataset atomically in `torch.save` format.
    public func save(to url: URL) throws {
        try validate(path: url.path)
        try TorchFile.save(pickleValue, to: url)
    }
}

extension ProcessedDataset {
    /// input_type of DeepPhys/TS-CAN data: DiffNormalized channels 0–2, Standardized 3–5.
    public static let diffNormalizedStandardized = "diffnormalized+standardized"
}
