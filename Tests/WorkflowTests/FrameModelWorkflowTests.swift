import Foundation
import RPPG
import TensorCore
import Testing
import TorchIO
@testable import Workflow

/// What the workflow does with the frame models (DeepPhys, TS-CAN, EfficientPhys) so far:
/// infer on frames runs them, the clip-based steps refuse them with a message that says so.
@Suite struct FrameModelWorkflowTests {
    static let zoo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("RPPGTests/Fixtures/zoo")

    @Test(arguments: [("tscan", "deepphys_weights.pth"), ("efficientphys", "efficientphys_weights.pth")])
    func inferOnFramesMatchesPyTorch(_ model: String, _ weights: String) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("frame-infer-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let io = Self.zoo.appendingPathComponent("\(model)_frames_b2_t10_s36.pt")
        let out = dir.appendingPathComponent("pulse.pt")
        let result = try Infer.run(InferOptions(model: .checkpoint(Self.zoo.appendingPathComponent(weights), architecture: nil),
                                                input: .clips(io), output: out, engine: .fp32))
        #expect(result.modelDescription == "\(model) (detected)")
        #expect(result.outputShape == [20, 1])
        let y = try #require(TorchFile.load(out)["output"]?.tensor).floatValues()
        let want = try #require(TorchFile.load(io)["output"]?.tensor).floatValues()
        let scale = want.map(abs).max()!
        let err = zip(y, want).map { abs($0 - $1) }.max()! / scale
        #expect(err < 1e-4, "\(model): relative error \(err)")
    }

    @Test func framesOfTheWrongShapeAreRefused() throws {
        let error = try #require(throws: InferError.self) {
            try Infer.checkShape([15, 6, 36, 36], for: .tsCAN, file: "x.pt")
        }
        #expect(error.description.contains("[N·T, 6, S, S]") && error.description.contains("multiple of 10"))
        try Infer.checkShape([21, 3, 36, 36], for: .efficientPhys, file: "x.pt")
        #expect(throws: InferError.self) { try Infer.checkShape([20, 3, 36, 36], for: .efficientPhys, file: "x.pt") }
    }

    @Test func clipStepsRefuseFrameModelsClearly() throws {
        let error = try #require(throws: TrainError.self) { try TrainModels.check("deepphys") }
        #expect(error.description.contains("deepphys takes frames [N·T, 6, S, S]")
                && error.description.contains("tinypulse, physnet, factorizephys"))
        #expect(ZooArchitecture.efficientPhys.clipStepRefusal("verify")?.contains("[N·T + 1, 3, S, S]") == true)
        #expect(ZooArchitecture.tinyPulse.clipStepRefusal("train") == nil)
    }
}
