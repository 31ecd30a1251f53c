import ArgumentParser
import Foundation
import Workflow

struct MonitorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "monitor",
        abstract: "Heart rate from a video as it plays: face crop, DiffNormalized, a sliding window, the model, one HR per hop.",
        discussion: """
            Prints one reading per --hop frames with the frames/s achieved, then whether the run was faster than real \
            time; writes an HTML report (HR over time, beside the ground truth: ground_truth.txt in the video's \
            folder, or PURE's <ii-jj>.json beside a --frames folder) and \
            monitor.json. Default model: the bundled INT8 model on the int8 engine.
            """)

    @Option(help: "An uncompressed AVI video (UBFC-style).") var video: String?
    @Option(help: "A folder of PNG frames (PURE layout), read in file-name order.") var frames: String?
    @Option(help: "Frames per second of --frames (default: from PURE's <ii-jj>.json beside the folder, else 30).")
    var fps: Double?
    @Option(help: "ONNX model, FP32 or QDQ (default: the bundled INT8 model).") var onnx: String?
    @Option(help: "PyTorch checkpoint (.pth) of a zoo model, run on fp32.") var checkpoint: String?
    @Option(help: "fp32 | int8 | fake-quant (default: int8 for a QDQ model, fp32 otherwise).") var engine: String?
    @Option(help: "Frames between readings (30 at 30 fps: one a second).") var hop = 30
    @Option(help: "Worker threads of the model.") var threads = 1
    @Option(name: .customLong("redetect-every"), help: "Re-detect the face every N frames (0: first frame only).")
    var redetectEvery = 0
    @Option(help: "Folder of monitor.html and monitor.json.") var output = "rppg-monitor"
    @Option(help: "The HTML report (default: OUTPUT/monitor.html; the JSON summary goes beside it).") var report: String?
    @Flag(help: "Print one JSON line per reading and the summary as the last line, instead of text.") var json = false

    func run() throws {
        try runReportingErrors {
            let summary = try Monitor.run(try options()) { reading in
                if json {
                    print((try? JSONOutput.line(reading)) ?? "{}")
                } else {
                    let truth = reading.truth.map { String(format: "  truth %5.1f", $0) } ?? ""
                    print(String(format: "t %6.1f s  HR %5.1f BPM", reading.time, reading.heartRate) + truth
                          + String(format: "  %6.1f frames/s", reading.framesPerSecond) + (reading.fallback ? "  (no face: whole frame)" : ""))
                }
                fflush(stdout)
            }
            if json {
                print(try JSONOutput.line(summary))
                return
            }
            for warning in summary.warnings { print("warning: \(warning)") }
            let speed = String(format: "%.1f frames/s on %d thread%@ (%.1f× the video's %.1f fps)", summary.framesPerSecond,
                               summary.threads, summary.threads == 1 ? "" : "s", summary.framesPerSecond / summary.fps, summary.fps)
            print("\(summary.readings.count) readings from \(summary.frames) frames (\(summary.frameWidth)×\(summary.frameHeight)), "
                  + "model \(summary.model), engine \(summary.engine.rawValue)")
            print((summary.realTime ? "real time: " : "NOT real time: ") + speed)
            if let mae = summary.mae { print(String(format: "MAE vs ground truth: %.2f BPM", mae)) }
            print("wrote \(summary.report) and \(URL(fileURLWithPath: summary.report).deletingPathExtension().appendingPathExtension("json").path)")
        }
    }

    func options() throws -> MonitorOptions {
        let source: MonitorSource
        switch (video, frames) {
        case (let v?, nil): source = .video(URL(fileURLWithPath: v))
        case (nil, let f?):
            let folder = URL(fileURLWithPath: f)
            source = .frames(folder, fps: try fps ?? MonitorSource.frameRate(ofFrames: folder))
        default: throw MonitorError("give exactly one of --video FILE.avi or --frames DIR.")
        }
        var o = MonitorOptions(source: source)
        switch (onnx, checkpoint) {
        case (nil, nil): break
        case (let m?, nil): o.model = .onnx(URL(fileURLWithPath: m))
        case (nil, let c?): o.model = .checkpoint(URL(fileURLWithPath: c), architecture: nil)
        default: throw MonitorError("give at most one of --onnx FILE.onnx or --checkpoint FILE.pth.")
        }
        if let engine {
            guard let e = InferEngine(name: engine) else {
                throw MonitorError("--engine \(engine) is unknown; use fp32, int8 or fake-quant.")
            }
            o.engine = e
        }
        o.hop = hop
        o.threads = threads
        o.redetectEvery = redetectEvery
        o.output = URL(fileURLWithPath: output)
        o.report = report.map { URL(fileURLWithPath: $0) }
        return o
    }
}
