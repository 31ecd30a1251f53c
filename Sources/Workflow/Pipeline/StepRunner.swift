import Foundation

/// Runs the pipeline's steps in order with a `[Step k/N]` banner and the time of each step,
/// skipping a step whose outputs are current in the manifest (unless forced).
struct StepRunner {
    /// One step: what it reads, what it writes, and how to make its outputs.
    struct Step {
        var name: String
        var detail: String
        /// Files read (hashed into the manifest). Evaluated when the step starts.
        var inputs: () -> [URL]
        /// Files written. Evaluated after the step ran (a generator may decide them then).
        var outputs: () -> [URL]
        var run: () throws -> Void
    }

    /// What happened to one step, for the summary and `--json`.
    struct Record: Codable {
        var step: Int
        var name: String
        var seconds: Double
        var skipped: Bool
        var outputs: [String]
    }

    let workdir: URL
    let force: Bool
    let log: (String) -> Void
    var manifest: Manifest
    var records: [Record] = []
    /// Each file is hashed once per run (and in the background where possible).
    let hashes = FileHashes()

    init(workdir: URL, force: Bool, log: @escaping (String) -> Void) {
        self.workdir = workdir
        self.force = force
        self.log = log
        self.manifest = Manifest.load(workdir.appendingPathComponent("manifest.json"))
    }

    mutating func run(_ steps: [Step]) throws {
        // A step is recorded in the manifest once its files are hashed, which happens in the
        // background (64 MB for calibration_data.pt): later steps run meanwhile; the manifest is
        // saved as records complete, and all of them before `run` returns or throws.
        var pending: [(name: String, outputs: [URL], inputs: [URL])] = []
        func flush(wait: Bool) throws {
            var recorded = false
            while let p = pending.first, wait || hashes.isReady(p.outputs + p.inputs) {
                pending.removeFirst()
                try manifest.record(step: p.name, outputs: p.outputs, inputs: p.inputs, relativeTo: workdir, hashes: hashes)
                recorded = true
            }
            if recorded { try manifest.save(workdir.appendingPathComponent("manifest.json")) }
        }
        for (i, step) in steps.enumerated() {
            log("[Step \(i + 1)/\(steps.count)] \(step.name): \(step.detail)")
            let start = Date()
            let inputs = step.inputs()
            let known = step.outputs()
            hashes.prefetch(inputs)
            if !force, manifest.isCurrent(outputs: known, inputs: inputs, relativeTo: workdir, hashes: hashes) {
                log("  up to date (inputs unchanged), skipped; --force recomputes")
                records.append(.init(step: i + 1, name: step.name, seconds: 0, skipped: true, outputs: known.map(\.path)))
                continue
            }
            do {
                try step.run()
            } catch {
                try? flush(wait: true)
                throw error
            }
            let outputs = step.outputs()
            hashes.forget(outputs)
            hashes.prefetch(outputs)
            pending.append((step.name, outputs, inputs))
            try flush(wait: false)
            let seconds = Date().timeIntervalSince(start)
            log(String(format: "  done in %.1f s", seconds))
            records.append(.init(step: i + 1, name: step.name, seconds: seconds, skipped: false, outputs: outputs.map(\.path)))
        }
        try flush(wait: true)
    }
}
