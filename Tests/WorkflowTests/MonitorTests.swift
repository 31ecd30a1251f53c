import Foundation
import RPPG
import TensorCore
import Testing
import Workflow

/// `rppg monitor` on short synthetic videos with known heart rates, with the bundled INT8 model:
/// readings follow the truth, one reading per hop, the ground truth beside the video is used
/// (and nothing is invented without it), PNG frames give the video's readings, and bad inputs
/// fail with the file named and no report written.
@Suite(.serialized) struct MonitorTests {
    /// Seed 0, subject 5 (about 107 BPM): a subject the bundled model reads well per 128-frame
    /// window. 8 s at 96×72 → 240 frames.
    static func syntheticVideo(in dir: URL, seconds: Double = 8) throws -> URL {
        var o = SyntheticDataset.Options(subjects: 5, seconds: seconds, seed: 0, width: 96, height: 72, fps: 30)
        o.threads = 2
        _ = try Synthesize.run(output: dir.appendingPathComponent("raw"), options: o)
        return dir.appendingPathComponent("raw/subject5/vid.avi")
    }

    static func options(_ source: MonitorSource, output: URL, hop: Int) -> MonitorOptions {
        var o = MonitorOptions(source: source)
        o.hop = hop
        o.output = output
        return o
    }

    /// The sensor HR line (second line of ground_truth.txt), read here independently of the parser.
    static func sensorHeartRate(_ video: URL) throws -> [Double] {
        let text = try String(contentsOf: video.deletingLastPathComponent().appendingPathComponent("ground_truth.txt"), encoding: .utf8)
        return text.split(separator: "\n")[1].split(separator: " ").map { Double($0)! }
    }

    @Test func readingsFollowTheSyntheticHeartRateAndUseTheGroundTruthBesideTheVideo() throws {
        let dir = try PipelineEndToEndTests.temporaryDirectory("monitor-hr")
        defer { try? FileManager.default.removeItem(at: dir) }
        let video = try Self.syntheticVideo(in: dir)
        let output = dir.appendingPathComponent("out")
        var printed: [MonitorReading] = []
        let summary = try Monitor.run(Self.options(.video(video), output: output, hop: 56)) { printed.append($0) }

        // 240 frames, windows of 128 every 56 frames: ends at 128, 184, 240.
        #expect(summary.frames == 240 && summary.windowFrames == 128)
        #expect(summary.readings.map(\.frame) == [128, 184, 240])
        #expect(printed == summary.readings)
        #expect(summary.engine == .int8)
        #expect(summary.model.contains(BundledModel.int8FileName))

        // The truth of each window is the mean sensor HR over its frames (one sample per frame here).
        let sensor = try Self.sensorHeartRate(video)
        #expect(sensor.count == 240)
        #expect(summary.groundTruth == video.deletingLastPathComponent().appendingPathComponent("ground_truth.txt").path)
        for r in summary.readings {
            let truth = try #require(r.truth)
            let window = sensor[(r.frame - 128)..<r.frame]
            #expect(abs(truth - window.reduce(0, +) / 128) < 1e-9)
            #expect(abs(r.heartRate - truth) <= 5, "reading at frame \(r.frame): \(r.heartRate) BPM vs truth \(truth)")
            #expect(abs(r.time - Double(r.frame) / 30) < 1e-12)
        }
        let errors = summary.readings.map { abs($0.heartRate - $0.truth!) }
        #expect(abs(try #require(summary.mae) - errors.reduce(0, +) / 3) < 1e-12)
        #expect(summary.detections.count == 1 && summary.detections[0].fallback == false)

        // monitor.json holds the same readings; the report plots them beside the truth.
        let json = try JSONOutput.decode(MonitorSummary.self, from: Data(contentsOf: output.appendingPathComponent("monitor.json")))
        #expect(json.readings == summary.readings)
        let html = try String(contentsOf: output.appendingPathComponent("monitor.html"), encoding: .utf8)
        #expect(html.contains("Heart rate over time") && html.contains("ground truth") && html.contains("<svg"))
        #expect(html.contains(summary.realTime ? "REAL TIME" : "NOT REAL TIME"))
    }

    @Test func pngFramesGiveTheVideosReadingAndNoTruthIsInvented() throws {
        let dir = try PipelineEndToEndTests.temporaryDirectory("monitor-png")
        defer { try? FileManager.default.removeItem(at: dir) }
        let video = try Self.syntheticVideo(in: dir, seconds: 5)   // 150 frames
        let fromVideo = try Monitor.run(Self.options(.video(video), output: dir.appendingPathComponent("v"), hop: 22))

        let frames = dir.appendingPathComponent("frames")
        try FileManager.default.createDirectory(at: frames, withIntermediateDirectories: true)
        let reader = try AVIReader(url: video)
        for i in 0..<reader.frameCount {
            try PNGWriter.write(try reader.readFrame(i), to: frames.appendingPathComponent(String(format: "Image%05d.png", i)))
        }
        let out = dir.appendingPathComponent("f")
        let fromFrames = try Monitor.run(Self.options(.frames(frames, fps: 30), output: out, hop: 11))

        // 150 frames: hop 22 → ends 128, 150; hop 11 → 128, 139, 150. Same pixels, same readings.
        #expect(fromVideo.readings.map(\.frame) == [128, 150])
        #expect(fromFrames.readings.map(\.frame) == [128, 139, 150])
        #expect(fromFrames.readings[0].heartRate == fromVideo.readings[0].heartRate)
        #expect(fromFrames.readings[2].heartRate == fromVideo.readings[1].heartRate)
        #expect(fromFrames.groundTruth == nil && fromFrames.mae == nil)
        #expect(fromFrames.readings.allSatisfy { $0.truth == nil })
        let html = try String(contentsOf: out.appendingPathComponent("monitor.html"), encoding: .utf8)
        #expect(html.contains("No ground truth"))
    }

    /// A PURE recording (`01-01/01-01/Image*.png` + `01-01/01-01.json`) made from the synthetic
    /// video: the oximeter waveform is the video's PPG line at 60 Hz, the `/Image` timestamps the
    /// frames'. Monitor takes the frame rate and the truth from the JSON; HR of the truth comes from
    /// the waveform (PURE has no HR line), so it is checked against the video's own sensor HR line.
    @Test func aPUREFolderIsScoredAgainstItsOximeter() throws {
        let dir = try PipelineEndToEndTests.temporaryDirectory("monitor-pure")
        defer { try? FileManager.default.removeItem(at: dir) }
        let video = try Self.syntheticVideo(in: dir, seconds: 8)
        let fromVideo = try Monitor.run(Self.options(.video(video), output: dir.appendingPathComponent("v"), hop: 56))
        let recording = dir.appendingPathComponent("pure/01-01")
        let frames = recording.appendingPathComponent("01-01")
        try FileManager.default.createDirectory(at: frames, withIntermediateDirectories: true)
        let reader = try AVIReader(url: video)
        for i in 0..<reader.frameCount {
            try PNGWriter.write(try reader.readFrame(i), to: frames.appendingPathComponent(String(format: "Image%05d.png", i)))
        }
        let text = try String(contentsOf: video.deletingLastPathComponent().appendingPathComponent("ground_truth.txt"), encoding: .utf8)
        let ppg = text.split(separator: "\n")[0].split(separator: " ").map { Double($0)! }
        let ns = 1e9 / 30
        // 60 Hz oximeter: the 30 Hz line with midpoints, starting a little before the first frame.
        var pulses: [[String: Any]] = []
        for k in 0..<(2 * ppg.count - 1) {
            let v = k % 2 == 0 ? ppg[k / 2] : (ppg[k / 2] + ppg[k / 2 + 1]) / 2
            pulses.append(["Timestamp": Int64(1_000_000 + Double(k) * ns / 2), "Value": ["waveform": v]])
        }
        let images = (0..<reader.frameCount).map { ["Timestamp": Int64(1_000_000 + Double($0) * ns)] }
        try JSONSerialization.data(withJSONObject: ["/FullPackage": pulses, "/Image": images])
            .write(to: recording.appendingPathComponent("01-01.json"))

        #expect(try MonitorSource.frameRate(ofFrames: frames) == 30)
        let out = dir.appendingPathComponent("f")
        let summary = try Monitor.run(Self.options(.frames(frames, fps: 30), output: out, hop: 56))
        #expect(summary.groundTruth == recording.appendingPathComponent("01-01.json").path)
        #expect(summary.warnings.isEmpty)
        #expect(summary.readings.count == 3 && summary.readings.allSatisfy { $0.truth != nil })
        #expect(summary.mae != nil)
        // The waveform's HR agrees with the sensor's HR line of the same windows (FFT resolution).
        for (p, v) in zip(summary.readings, fromVideo.readings) {
            #expect(abs(p.truth! - v.truth!) < 3, "window ending \(p.frame): oximeter \(p.truth!) vs sensor \(v.truth!)")
        }
        let html = try String(contentsOf: out.appendingPathComponent("monitor.html"), encoding: .utf8)
        #expect(html.contains("01-01.json"))

        // Read at a rate the timestamps contradict, the run says so.
        let wrong = try Monitor.run(Self.options(.frames(frames, fps: 25), output: dir.appendingPathComponent("w"), hop: 56))
        #expect(wrong.warnings.contains { $0.contains("30.00 fps") && $0.contains("--fps 25.00") })

        // A JSON that lists another number of frames is not used, and the run says why.
        try JSONSerialization.data(withJSONObject: ["/FullPackage": pulses, "/Image": Array(images.dropLast())])
            .write(to: recording.appendingPathComponent("01-01.json"))
        let short = try Monitor.run(Self.options(.frames(frames, fps: 30), output: dir.appendingPathComponent("s"), hop: 56))
        #expect(short.groundTruth == nil && short.warnings.contains { $0.contains("239 \"/Image\" timestamps") })
    }

    @Test func jsonLinesGiveOneReadingPerHopThenTheSummary() throws {
        let dir = try PipelineEndToEndTests.temporaryDirectory("monitor-json")
        defer { try? FileManager.default.removeItem(at: dir) }
        let video = try Self.syntheticVideo(in: dir, seconds: 5)
        let report = dir.appendingPathComponent("r/hr.html")
        let run = try InferCLITests().rppg(["monitor", "--video", video.path, "--hop", "11", "--json", "--report", report.path])
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stdout.split(separator: "\n").map { Data($0.utf8) }
        #expect(lines.count == 4)
        let readings = try lines.dropLast().map { try JSONOutput.decode(MonitorReading.self, from: $0) }
        #expect(readings.map(\.index) == [0, 1, 2] && readings.map(\.frame) == [128, 139, 150])
        let summary = try JSONOutput.decode(MonitorSummary.self, from: lines[3])
        #expect(summary.readings == readings && summary.hop == 11 && summary.report == report.path)
        #expect(FileManager.default.fileExists(atPath: report.path))
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("r/hr.json").path))
    }

    @Test func badInputsNameTheFileAndWriteNoReport() throws {
        let dir = try PipelineEndToEndTests.temporaryDirectory("monitor-bad")
        defer { try? FileManager.default.removeItem(at: dir) }
        let output = dir.appendingPathComponent("out")
        func failure(_ source: MonitorSource, hop: Int = 30) -> String? {
            do {
                _ = try Monitor.run(Self.options(source, output: output, hop: hop))
                return nil
            } catch let error as UserFacingError {
                return error.description
            } catch {
                return "\(error)"
            }
        }
        let missing = dir.appendingPathComponent("missing.avi")
        #expect(failure(.video(missing))?.contains("\(missing.path) not found") == true)

        let garbage = dir.appendingPathComponent("garbage.avi")
        try Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 31) }).write(to: garbage)
        #expect(failure(.video(garbage))?.contains("\(garbage.path) is not a valid AVI") == true)

        // 3 s = 90 frames, fewer than the model's 128.
        var o = SyntheticDataset.Options(subjects: 1, seconds: 3, seed: 0, width: 96, height: 72, fps: 30)
        o.threads = 1
        _ = try Synthesize.run(output: dir.appendingPathComponent("short"), options: o)
        let short = dir.appendingPathComponent("short/subject1/vid.avi")
        #expect(failure(.video(short))?.contains("\(short.path) has 90 frames but one clip needs 128") == true)

        // A blank grey video: long enough, but no face in its first frame.
        let blank = dir.appendingPathComponent("blank.avi")
        let writer = try AVIWriter(url: blank, width: 96, height: 72, frameRate: 30)
        for _ in 0..<130 { try writer.append(VideoFrame(width: 96, height: 72, value: 128)) }
        try writer.finish()
        #expect(failure(.video(blank))?.contains("No face found in the first frame of \(blank.path)") == true)

        let noFolder = dir.appendingPathComponent("frames")
        #expect(failure(.frames(noFolder, fps: 30))?.contains("\(noFolder.path) not found") == true)
        #expect(failure(.video(short), hop: 0)?.contains("--hop must be at least 1") == true)

        #expect(!FileManager.default.fileExists(atPath: output.appendingPathComponent("monitor.html").path))
        #expect(!FileManager.default.fileExists(atPath: output.appendingPathComponent("monitor.json").path))

        // Through the command: exit code 1, one line naming the file, no report.
        let run = try BadInputCLITests().run(["monitor", "--video", missing.path, "--output", output.path])
        #expect(run.status == 1)
        #expect(run.stderr.hasPrefix("error: Video \(missing.path) not found"))
        #expect(!FileManager.default.fileExists(atPath: output.path))
    }
}
