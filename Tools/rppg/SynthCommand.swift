import ArgumentParser
import Foundation
import RPPG
import TensorCore
import Workflow

struct SynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Write a UBFC-style dataset of synthetic faces (uncompressed AVI + ground_truth.txt) with known heart rates.")

    @Option(help: "Output folder (subject<N>/ folders are created in it).") var output: String
    @Option(help: "Number of subjects.") var subjects = 8
    @Option(help: "Seconds of video per subject.") var seconds = 20.0
    @Option(help: "Random seed (same seed, same bytes).") var seed: UInt64 = 0
    @Option(help: "Frame width.") var width = 160
    @Option(help: "Frame height.") var height = 120
    @Option(help: "Frames per second.") var fps = 30.0
    @Option(help: "Worker threads (default: all cores).") var threads = Parallel.availableCores
    @Option(help: "standard, or a comma-separated mix of: motion (ballistic head movements, heavy-tailed), blocking (JPEG-like 8×8 DCT quantisation, quality 60), nonrigid (talking jaw, brow raises), dark-skin (the two darkest tones only), second-face (a smaller bystander with another HR).")
    var difficulty = "standard"

    func run() throws {
        try runReportingErrors {
            var options = SyntheticDataset.Options(subjects: subjects, seconds: seconds, seed: seed, width: width, height: height, fps: fps)
            options.threads = threads
            do { options.difficulties = try SyntheticDifficulty.parseList(difficulty) } catch {
                throw ValidationError("\(error)")
            }
            let start = Date()
            let written = try Synthesize.run(output: URL(fileURLWithPath: output), options: options)
            for w in written { print(String(format: "subject%d: %d frames, mean HR %.1f BPM", w.subject, w.frames, w.meanHeartRate)) }
            print(String(format: "wrote %d subjects to %@ in %.1f s", written.count, output, Date().timeIntervalSince(start)))
        }
    }
}
