import Foundation
import NN
import ONNX
import Quantization
import RPPG
import TensorCore
import Testing
import TorchIO
import Workflow

/// `rppg infer` through the built binary, on the FP32 and QDQ models and the data of a small
/// pipeline run: each engine's output equals the library executor's on the same clips, a video
/// gives the clips `preprocess` made of it, and wrong engine/model pairs fail cleanly.
@Suite(.serialized) struct InferCLITests {
    struct Run { var status: Int32; var stdout: String; var stderr: String }

    func rppg(_ arguments: [String]) throws -> Run {
        let binary = try #require(BadInputCLITests.binary, "rppg binary not found beside \(CommandLine.arguments[0]); run `swift build` first")
        let p = Process()
        p.executableURL = binary
        p.arguments = arguments
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Run(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    /// A pipeline work directory (synthetic raw videos, processed data, FP32 and QDQ models).
    static func workdir() throws -> (dir: URL, work: URL) {
        let dir = try PipelineEndToEndTests.temporaryDirectory("infer-cli")
        let checkpoint = dir.appendingPathComponent("tiny.pth")
        try PipelineEndToEndTests.makeCheckpoint(at: checkpoint)
        let work = dir.appendingPathComponent("work")
        _ = try Pipeline.run(PipelineEndToEndTests.options(work, checkpoint: checkpoint)) { _ in }
        return (dir, work)
    }

    static func output(_ url: URL) throws -> Tensor {
        try #require(try TorchFile.load(url)["output"]?.tensor)
    }

    @Test func enginesMatchTheLibraryExecutorsAndVideoMatchesPreprocess() throws {
        let (dir, work) = try Self.workdir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let fp32Model = work.appendingPathComponent("models/rppg_fp32.onnx")
        let int8Model = work.appendingPathComponent("models/rppg_int8_qdq.onnx")
        let data = try ProcessedDataset.load(work.appendingPathComponent("data/ubfc_processed.pt"))
        let subjects = data.subject.scalars(as: Int64.self)
        let subject = subjects[0]
        let rows = subjects.indices.filter { subjects[$0] == subject }
        #expect(rows.count == 2)
        let clips = data.clips.batch(rows[0]..<(rows.last! + 1))
        let clipsFile = dir.appendingPathComponent("clips.pt")
        try TorchFile.save(.stringDict([("input", .tensor(clips))]), to: clipsFile)

        // Default engine of a QDQ model: int8, equal to Int8Executor clip by clip.
        let int8Out = dir.appendingPathComponent("int8.pt")
        let r1 = try rppg(["infer", "--onnx", int8Model.path, "--input", clipsFile.path, "--output", int8Out.path,
                           "--threads", "1", "--json", "-"])
        #expect(r1.status == 0, "\(r1.stderr)")
        let summary = try JSONOutput.decode(InferResult.self, from: Data(r1.stdout.utf8))
        #expect(summary.engine == .int8)
        #expect(summary.inputShape == [2, 3, 128, 36, 36] && summary.outputShape == [2, 128])
        let graph = try ONNXReader.read(int8Model)
        let engine = try Int8Executor(graph: graph, threads: 1)
        let expected = try (0..<2).flatMap { try engine.run(clips.batch($0..<($0 + 1))).floatValues() }
        let int8Values = try Self.output(int8Out).floatValues()
        #expect(int8Values == expected)

        // fake-quant and fp32 engines equal their executors.
        let fqOut = dir.appendingPathComponent("fq.pt")
        let r2 = try rppg(["infer", "--onnx", int8Model.path, "--engine", "fake-quant", "--input", clipsFile.path,
                           "--output", fqOut.path, "--threads", "1"])
        #expect(r2.status == 0, "\(r2.stderr)")
        #expect(r2.stdout.contains("engine fake-quant"))
        let fake = try FakeQuantExecutor(graph: graph, runner: FP32Runner.factory(threads: 1))
        let fakeExpected = try (0..<2).flatMap { try fake.run(clips.batch($0..<($0 + 1))).floatValues() }
        #expect(try Self.output(fqOut).floatValues() == fakeExpected)

        let fpOut = dir.appendingPathComponent("fp32.pt")
        let r3 = try rppg(["infer", "--onnx", fp32Model.path, "--input", clipsFile.path, "--output", fpOut.path, "--threads", "1"])
        #expect(r3.status == 0, "\(r3.stderr)")
        #expect(r3.stdout.contains("engine fp32"))
        let fp32 = try FP32Executor(graph: GraphPasses.optimizeForInference(try ONNXReader.read(fp32Model)), threads: 1)
        let fpExpected = try (0..<2).flatMap { try fp32.run(clips.batch($0..<($0 + 1))).floatValues() }
        // Not bit-equal: the CLI re-executes itself with OPENBLAS_CORETYPE set (see README), so its
        // sgemm sums in another order than this process's; the FP32 tests' 1e-5 relative bound holds.
        let fpValues = try Self.output(fpOut).floatValues()
        let scale = fpExpected.map { abs($0) }.max() ?? 0
        #expect(fpValues.count == fpExpected.count)
        #expect(zip(fpValues, fpExpected).allSatisfy { abs($0 - $1) <= 1e-5 * scale })

        // A video: cropped and chunked as preprocess did, so the int8 output is the same.
        let video = work.appendingPathComponent("raw/subject\(subject)/vid.avi")
        let videoOut = dir.appendingPathComponent("video.pt")
        let r4 = try rppg(["infer", "--onnx", int8Model.path, "--video", video.path, "--output", videoOut.path,
                           "--threads", "1", "--json", "-"])
        #expect(r4.status == 0, "\(r4.stderr)")
        let videoSummary = try JSONOutput.decode(InferResult.self, from: Data(r4.stdout.utf8))
        #expect(videoSummary.engine == .int8 && videoSummary.outputShape == [2, 128])
        #expect(try Self.output(videoOut).floatValues() == int8Values)
        let hr = try #require(videoSummary.heartRate)
        #expect(hr >= FrequencyBand.evaluation.low * 60 && hr <= FrequencyBand.evaluation.high * 60)
        #expect(videoSummary.faceBoxes?.count == 1)

        // The README's embedding example, verbatim but for paths: same heart rate as the CLI.
        let detector = HaarDetector(cascade: try HaarCascade.load(path: HaarCascade.defaultPath))
        let clipsOfVideo = try VideoClips.load(video, frames: 128, size: 36, inputType: .diffNormalized, detector: detector)
        var signal: [Double] = []
        for n in 0..<clipsOfVideo.clips.shape[0] {
            signal += try engine.run(clipsOfVideo.clips.batch(n..<(n + 1))).floatValues().map(Double.init)
        }
        let pulse = try HeartRateEvaluation.pulse(signal, fps: clipsOfVideo.fps, diffNormalized: true)
        #expect(HeartRate.estimate(pulse, fs: clipsOfVideo.fps, method: .fft) == hr)
    }

    @Test func wrongEngineForTheModelFailsWithoutOutput() throws {
        let (dir, work) = try Self.workdir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let int8Model = work.appendingPathComponent("models/rppg_int8_qdq.onnx")
        let fp32Model = work.appendingPathComponent("models/rppg_fp32.onnx")
        let clips = try ProcessedDataset.load(work.appendingPathComponent("data/ubfc_processed.pt")).clips.batch(0..<1)
        let clipsFile = dir.appendingPathComponent("clips.pt")
        try TorchFile.save(.tensor(clips), to: clipsFile)
        let out = dir.appendingPathComponent("out.pt")

        let r1 = try rppg(["infer", "--onnx", int8Model.path, "--engine", "fp32", "--input", clipsFile.path, "--output", out.path])
        #expect(r1.status == 1)
        #expect(r1.stderr == "error: \(int8Model.path) is a QDQ (quantized) model; the fp32 engine runs float models. "
                + "Use --engine int8 or --engine fake-quant, or pass the FP32 ONNX model.\n")
        let r2 = try rppg(["infer", "--onnx", fp32Model.path, "--engine", "int8", "--input", clipsFile.path, "--output", out.path])
        #expect(r2.status == 1)
        #expect(r2.stderr.hasPrefix("error: \(fp32Model.path) has no QuantizeLinear/DequantizeLinear nodes"))
        let r3 = try rppg(["infer", "--onnx", int8Model.path, "--engine", "int4", "--input", clipsFile.path, "--output", out.path])
        #expect(r3.status == 1)
        #expect(r3.stderr == "error: --engine int4 is unknown; use fp32, int8 or fake-quant.\n")
        let missing = dir.appendingPathComponent("nope.avi")
        let r4 = try rppg(["infer", "--onnx", int8Model.path, "--video", missing.path, "--output", out.path])
        #expect(r4.status == 1)
        #expect(r4.stderr.contains(missing.path))
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }
}
