import Foundation

/// One PURE recording: `<root>/<ii-jj>/<ii-jj>/*.png` frames and `<root>/<ii-jj>/<ii-jj>.json`
/// (the layout rPPG-Toolbox's PURE loader reads). `number` is the folder name without its dash
/// (`01-02` → 102), as the toolbox numbers PURE subjects.
public struct PURESubject: Sendable, Equatable {
    public var number: Int
    public var name: String
    public var frameFolder: URL
    public var labels: URL
}

/// The PURE folder layout.
public enum PUREDataset {
    /// Recordings under `root`, in ascending number order.
    public static func subjects(in root: URL) throws -> [PURESubject] {
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: root.path) else {
            throw DatasetError.missingFile(path: root.path, what: "PURE dataset folder")
        }
        var out: [PURESubject] = []
        for name in names.sorted() {
            let parts = name.split(separator: "-")
            guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isNumber) }),
                  let number = Int(parts.joined()) else { continue }
            let folder = root.appendingPathComponent(name)
            let labels = folder.appendingPathComponent("\(name).json")
            let frames = folder.appendingPathComponent(name)
            guard fm.fileExists(atPath: labels.path) else { throw DatasetError.missingFile(path: labels.path, what: "PURE label JSON") }
            guard fm.fileExists(atPath: frames.path) else { throw DatasetError.missingFile(path: frames.path, what: "PURE frame folder") }
            out.append(PURESubject(number: number, name: name, frameFolder: frames, labels: labels))
        }
        guard !out.isEmpty else { throw DatasetError.noPURESubjects(path: root.path) }
        return out.sorted { $0.number < $1.number }
    }
}

/// A PURE recording's `.json`: the pulse oximeter's `/FullPackage` samples (`Value.waveform` at
/// `Timestamp`) and the camera's `/Image` timestamps (nanoseconds).
public struct PURELabels: Sendable, Equatable {
    public var pulseTimes: [Double]
    public var waveform: [Double]
    public var imageTimes: [Double]

    /// Timestamps in nanoseconds, as the JSON stores them.
    public init(pulseTimes: [Double], waveform: [Double], imageTimes: [Double]) {
        self.pulseTimes = pulseTimes
        self.waveform = waveform
        self.imageTimes = imageTimes
    }

    public static func load(_ url: URL) throws -> PURELabels {
        func bad(_ reason: String) -> DatasetError { .badGroundTruth(path: url.path, line: 0, reason: reason) }
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw DatasetError.missingFile(path: url.path, what: "PURE label JSON") }
        guard let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { throw bad("not a JSON object") }
        guard let packages = root["/FullPackage"] as? [[String: Any]], packages.count >= 2 else {
            throw bad("no \"/FullPackage\" array of at least 2 samples")
        }
        var labels = PURELabels(pulseTimes: [], waveform: [], imageTimes: [])
        for (i, p) in packages.enumerated() {
            guard let t = (p["Timestamp"] as? NSNumber)?.doubleValue,
                  let w = ((p["Value"] as? [String: Any])?["waveform"] as? NSNumber)?.doubleValue else {
                throw bad("\"/FullPackage\" entry \(i) lacks Timestamp or Value.waveform")
            }
            labels.pulseTimes.append(t)
            labels.waveform.append(w)
        }
        for (i, image) in ((root["/Image"] as? [[String: Any]]) ?? []).enumerated() {
            guard let t = (image["Timestamp"] as? NSNumber)?.doubleValue else { throw bad("\"/Image\" entry \(i) lacks Timestamp") }
            labels.imageTimes.append(t)
        }
        guard zip(labels.pulseTimes, labels.pulseTimes.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw bad("\"/FullPackage\" timestamps do not increase")
        }
        return labels
    }

    /// Camera frames per second from the `/Image` timestamps (ns), rounded to a whole rate when
    /// within 1 % of it (PURE records at 30 Hz with jitter); 30 when fewer than two are listed.
    public var frameRate: Double {
        guard imageTimes.count >= 2, imageTimes[imageTimes.count - 1] > imageTimes[0] else { return 30 }
        let fps = Double(imageTimes.count - 1) / ((imageTimes[imageTimes.count - 1] - imageTimes[0]) / 1e9)
        return abs(fps - fps.rounded()) < 0.01 * fps ? fps.rounded() : fps
    }

    /// The waveform linearly interpolated at `times` (held constant outside the recorded span).
    public func waveform(at times: [Double]) -> [Double] {
        var j = 0
        return times.map { t in
            if t <= pulseTimes[0] { return waveform[0] }
            if t >= pulseTimes[pulseTimes.count - 1] { return waveform[waveform.count - 1] }
            while pulseTimes[j + 1] < t { j += 1 }
            let f = (t - pulseTimes[j]) / (pulseTimes[j + 1] - pulseTimes[j])
            return waveform[j] + f * (waveform[j + 1] - waveform[j])
        }
    }
}

/// A folder of PNG frames (sorted by file name, as PURE's `Image<timestamp>.png`), read one by one.
public struct PNGFrameFolder: FrameSource {
    public let files: [URL]
    public let width: Int
    public let height: Int
    public let frameRate: Double
    public var frameCount: Int { files.count }

    /// `frameRate` comes from the caller (PURE: the image timestamps); the first frame fixes the size.
    public init(_ folder: URL, frameRate: Double) throws {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        files = names.filter { $0.lowercased().hasSuffix(".png") }.sorted().map { folder.appendingPathComponent($0) }
        guard let first = files.first else { throw DatasetError.missingFile(path: folder.path + "/*.png", what: "PNG frame") }
        let frame = try PNGReader.read(first)
        width = frame.width
        height = frame.height
        self.frameRate = frameRate
    }

    public func readFrame(_ i: Int, into frame: inout VideoFrame) throws {
        let decoded = try PNGReader.read(files[i])
        guard decoded.width == width, decoded.height == height else {
            throw PNGError(path: files[i].path, reason: "is \(decoded.width)×\(decoded.height) but the first frame is \(width)×\(height)")
        }
        frame = decoded
    }
}
