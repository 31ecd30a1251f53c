import Foundation
import TensorCore

/// `workdir/manifest.json`: every file the pipeline wrote, with its SHA-256, the step that wrote
/// it and the hashes of that step's inputs. A step whose outputs and inputs still match is
/// skipped on rerun; `--force` recomputes.
public struct Manifest: Codable {
    public struct Entry: Codable, Equatable {
        public var step: String
        public var sha256: String
        public var bytes: Int
        /// Input path → SHA-256 at the time the file was written.
        public var inputs: [String: String]
        public var written: String
    }

    /// Output path (relative to the work directory when inside it) → entry.
    public var files: [String: Entry] = [:]
    public var tool = "rppg-swift"

    public init() {}

    /// Loads `url`, or an empty manifest when it does not exist or cannot be read (it is a cache
    /// of facts that can be recomputed, so a damaged one is rebuilt rather than fatal).
    public static func load(_ url: URL) -> Manifest {
        guard let data = try? Data(contentsOf: url), let m = try? JSONDecoder().decode(Manifest.self, from: data) else {
            return Manifest()
        }
        return m
    }

    public func save(_ url: URL) throws {
        try AtomicFile.write(try JSONOutput.encode(self), to: url)
    }

    /// True when every output exists with its recorded hash and every input still has the hash
    /// recorded when the outputs were made. `hashes` lets a caller hash each file once across calls.
    public func isCurrent(outputs: [URL], inputs: [URL], relativeTo base: URL, hashes: FileHashes = FileHashes()) -> Bool {
        guard !outputs.isEmpty else { return false }
        for output in outputs {
            let key = Self.key(output, base)
            guard let entry = files[key], let hash = try? hashes.hexDigest(ofFile: output), hash == entry.sha256 else {
                return false
            }
            for input in inputs {
                guard let recorded = entry.inputs[Self.key(input, base)],
                    let now = try? hashes.hexDigest(ofFile: input), now == recorded
                else { return false }
            }
        }
        return true
    }

    /// Records `outputs` of `step` made from `inputs`.
    public mutating func record(step: String, outputs: [URL], inputs: [URL], relativeTo base: URL,
                                hashes: FileHashes = FileHashes()) throws {
        var inputHashes: [String: String] = [:]
        for input in inputs { inputHashes[Self.key(input, base)] = try hashes.hexDigest(ofFile: input) }
        let stamp = ISO8601DateFormatter().string(from: Date())
        for output in outputs {
            let size = (try? FileManager.default.attributesOfItem(atPath: output.path)[.size] as? Int) ?? 0
            files[Self.key(output, base)] = Entry(
                step: step, sha256: try hashes.hexDigest(ofFile: output), bytes: size ?? 0,
                inputs: inputHashes, written: stamp)
        }
    }

    static func key(_ url: URL, _ base: URL) -> String {
        let path = url.standardizedFileURL.path
        let root = base.standardizedFileURL.path + "/"
        return path.hasPrefix(root) ? String(path.dropFirst(root.count)) : path
    }
}
