import Dispatch
import Foundation

/// SHA-256 of files, each computed at most once while the file stays the same: the pipeline's
/// manifest asks for the 64 MB dataset as an input of calibrate and of verify, and for
/// `calibration_data.pt` as the output of calibrate and the input of quantize.
///
/// A cached digest is reused only while the file's ``FileIdentity`` is unchanged; the step
/// runner also ``forget(_:)``s what a step rewrote.
/// ``prefetch(_:)`` starts hashing on a background thread, so that hashing a step's inputs
/// overlaps the step's own work and hashing its outputs overlaps the next step.
public final class FileHashes: @unchecked Sendable {
    /// One digest, finished or being computed.
    private final class Job: @unchecked Sendable {
        let identity: FileIdentity
        let done = DispatchGroup()
        var result: Result<String, Error> = .failure(CocoaError(.fileReadUnknown))
        init(identity: FileIdentity) { self.identity = identity }
    }

    private let lock = NSLock()
    private var jobs: [String: Job] = [:]

    public init() {}

    /// The file's SHA-256 (lowercase hex), from the cache when the file is unchanged.
    public func hexDigest(ofFile url: URL) throws -> String {
        let job = try start(url, background: false)
        job.done.wait()
        return try job.result.get()
    }

    /// Starts hashing each file in the background (missing files are skipped; errors surface in
    /// ``hexDigest(ofFile:)``).
    public func prefetch(_ urls: [URL]) {
        for url in urls { _ = try? start(url, background: true) }
    }

    /// True when every file's digest is known (so ``hexDigest(ofFile:)`` will not wait for it).
    public func isReady(_ urls: [URL]) -> Bool {
        urls.allSatisfy { url in
            lock.lock()
            let job = jobs[Self.key(url)]
            lock.unlock()
            guard let job, let now = try? Self.identity(of: Self.key(url)), now == job.identity else { return false }
            return job.done.wait(timeout: .now()) == .success
        }
    }

    /// Drops cached digests of files a step is about to rewrite or has rewritten.
    public func forget(_ urls: [URL]) {
        lock.lock()
        for url in urls { jobs[Self.key(url)] = nil }
        lock.unlock()
    }

    private func start(_ url: URL, background: Bool) throws -> Job {
        let key = Self.key(url)
        let identity = try Self.identity(of: key)
        lock.lock()
        if let job = jobs[key], job.identity == identity {
            lock.unlock()
            return job
        }
        let job = Job(identity: identity)
        jobs[key] = job
        job.done.enter()
        lock.unlock()
        let work = {
            job.result = Result { try SHA256Digest.hexDigest(ofFile: URL(fileURLWithPath: key)) }
            job.done.leave()
        }
        if background { DispatchQueue.global(qos: .userInitiated).async(execute: work) } else { work() }
        return job
    }

    private static func key(_ url: URL) -> String { url.standardizedFileURL.path }

    private static func identity(of path: String) throws -> FileIdentity {
        guard let id = FileIdentity.of(path) else {
            throw CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: path])
        }
        return id
    }
}
