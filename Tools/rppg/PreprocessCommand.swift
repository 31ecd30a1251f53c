import ArgumentParser
import Foundation
import RPPG
import TensorCore
import Workflow

struct PreprocessCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "preprocess",
        abstract: "Crop faces, resize, normalise and chunk a UBFC-rPPG or PURE folder into <output>/<dataset>_processed.pt.")

    @Option(help: "Dataset layout: ubfc (UBFC-rPPG DATASET_1/DATASET_2) or pure (PURE: ii-jj/ii-jj/*.png + ii-jj.json).") var dataset = "ubfc"
    @Option(name: .customLong("raw-data"), help: "Folder holding subject<N>/vid.avi + ground_truth.txt (or gtdump.xmp), or PURE's ii-jj/ folders.")
    var rawData: String
    @Option(help: "Output folder.") var output = "data"
    @Option(help: "Clip side in pixels (36 or 72).") var size = 36
    @Option(help: "Frames per chunk.") var chunk = 128
    @Option(name: .customLong("input-type"), help: "diffnormalized, standardized, raw, or diffnormalized+standardized (DeepPhys/TS-CAN: 6 channels).") var inputType = "diffnormalized"
    @Option(name: .customLong("label-type"), help: "Labels: diffnormalized, standardized or raw (default: as the input; EfficientPhys in rPPG-Toolbox: --input-type standardized --label-type diffnormalized).")
    var labelType: String?
    @Option(help: "Worker threads (default: all cores).") var threads = Parallel.availableCores
    @Option(name: .customLong("redetect-every"), help: "Re-detect the face every N frames (0: first frame only).")
    var redetectEvery = 0
    @Option(help: "Haar cascade XML.") var cascade = HaarCascade.defaultPath
    @Flag(name: .customLong("check-face"), help: "Also write <output>/<subject>_face.png: the first frame with the detected (green) and crop (red) box.")
    var checkFace = false

    func run() throws {
        try runReportingErrors {
            let combined = inputType.lowercased() == ProcessedDataset.diffNormalizedStandardized
            guard let type = combined ? .diffNormalized : InputType(name: inputType) else {
                throw TensorError.invalidArgument("--input-type must be diffnormalized, standardized, raw or diffnormalized+standardized, got '\(inputType)'")
            }
            let labels = try labelType.map { name in
                guard let t = InputType(name: name) else {
                    throw TensorError.invalidArgument("--label-type must be diffnormalized, standardized or raw, got '\(name)'")
                }
                return t
            }
            var options = PreprocessOptions(rawData: URL(fileURLWithPath: rawData), output: URL(fileURLWithPath: output))
            options.dataset = dataset
            options.size = size
            options.chunkLength = chunk
            options.inputType = type
            options.standardizedChannels = combined
            options.labelType = labels
            options.threads = threads
            options.redetectEvery = redetectEvery
            options.cascadePath = cascade
            options.checkFace = checkFace
            let bar = SubjectProgressBar()
            let result = try Preprocess.run(options) { subject, done, total in bar.update(subject: subject, done: done, total: total) }
            bar.finish()
            for w in result.warnings { FileHandle.standardError.write(Data("warning: \(w)\n".utf8)) }
            if !result.wholeFrameSubjects.isEmpty {
                FileHandle.standardError.write(Data("warning: no face found in subjects \(result.wholeFrameSubjects.map(String.init).joined(separator: ", ")); the whole frame was used.\n".utf8))
            }
            for s in result.skipped {
                FileHandle.standardError.write(Data("skipped subject \(s.subject): \(s.reason)\n".utf8))
            }
            let fps = Double(result.framesRead) / max(result.seconds, 1e-9)
            print("wrote \(result.outputFile.path): \(result.clipCount) clips from \(result.subjects.count) subjects"
                + (result.skipped.isEmpty ? "" : ", \(result.skipped.count) skipped")
                + String(format: " (%d frames in %.1f s, %.0f frames/s)", result.framesRead, result.seconds, fps))
            if !result.metaFiles.isEmpty {
                print("face boxes per subject: " + result.metaFiles.map(\.lastPathComponent).joined(separator: ", "))
            }
        }
    }
}

/// One stderr line showing each running subject's progress, redrawn in place.
final class SubjectProgressBar: @unchecked Sendable {
    private let lock = NSLock()
    private var state: [Int: (Int, Int)] = [:]
    private var finished = 0
    /// Redraw in place only on a terminal; logs get one line per finished subject.
    private let interactive = isatty(2) != 0

    func update(subject: Int, done: Int, total: Int) {
        lock.lock()
        defer { lock.unlock() }
        if done >= total {
            state[subject] = nil
            finished += 1
            if !interactive { FileHandle.standardError.write(Data("subject\(subject): \(total) frames done\n".utf8)) }
        } else {
            state[subject] = (done, total)
        }
        guard interactive else { return }
        var line = "\r\u{1B}[K\(finished) subjects done"
        for (s, (d, t)) in state.sorted(by: { $0.key < $1.key }).prefix(4) {
            let filled = t > 0 ? d * 20 / t : 0
            line += " | subject\(s) [" + String(repeating: "#", count: filled) + String(repeating: ".", count: 20 - filled) + "] \(t > 0 ? d * 100 / t : 0)%"
        }
        FileHandle.standardError.write(Data(line.utf8))
    }

    func finish() { if interactive { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) } }
}
