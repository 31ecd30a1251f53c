import Foundation
import NN
import RPPG
import TensorCore
import Testing
import TorchIO

/// DeepPhys, TS-CAN and EfficientPhys (rPPG-Toolbox's frame models) against their PyTorch twins
/// in Tools/pytorch_zoo.py; fixtures from `python3 Tools/make_nn_fixtures.py --frame-models`.
struct FrameModelZooTests {
    /// (architecture, weights, input/output fixture). TS-CAN has DeepPhys's keys, so one weights file serves both.
    static let cases: [(ZooArchitecture, String, String)] = [
        (.deepPhys, "deepphys_weights.pth", "deepphys_frames_b2_t10_s36.pt"),
        (.tsCAN, "deepphys_weights.pth", "tscan_frames_b2_t10_s36.pt"),
        (.efficientPhys, "efficientphys_weights.pth", "efficientphys_frames_b2_t10_s36.pt"),
    ]

    @Test(arguments: 0..<cases.count)
    func matchesPyTorch(_ index: Int) throws {
        let (a, weights, file) = Self.cases[index]
        let f = try ModelZooTests.load(file)
        let x = try #require(f["input"]?.tensor), expected = try #require(f["output"]?.tensor)
        // Two clips of ten frames, one TSM segment each; the frame side (36) comes from the weights.
        let graph = try ModelZoo.graph(a, stateDict: ModelZooTests.weights(weights), batch: 2, frames: 10)
        #expect(graph.inputs[0].shape == x.shape)
        for optimized in [false, true] {
            let g = optimized ? GraphPasses.optimizeForInference(graph) : graph
            let y = try FP32Executor(graph: g, threads: 2).run(x)
            #expect(y.shape == [20, 1])
            let err = ModelZooTests.relativeError(y, expected)
            print("\(a.rawValue) optimized=\(optimized): relative error vs PyTorch \(err)")
            #expect(err < 1e-4, "\(a.rawValue) optimized=\(optimized): relative error \(err)")
        }
    }

    /// The toolbox's default 72-pixel side (dense layer 16384 wide): weights and input by the
    /// formulas of make_nn_fixtures.py (`formula_state_`, `formula_input`; `ModelZoo.formulaWeights`), one clip of 10 frames.
    @Test(arguments: [ZooArchitecture.deepPhys, .tsCAN, .efficientPhys])
    func matchesPyTorchAt72Pixels(_ a: ZooArchitecture) throws {
        let graph = try ModelZoo.graph(a, stateDict: ModelZoo.formulaWeights(a, inputSize: 72), batch: 1, frames: 10)
        #expect(graph.inputs[0].shape == (a == .efficientPhys ? [11, 3, 72, 72] : [10, 6, 72, 72]))
        let expected = try #require(try ModelZooTests.load("\(a.rawValue)_formula_t10_s72.pt")["output"]?.tensor)
        let y = try FP32Executor(graph: GraphPasses.optimizeForInference(graph), threads: 2)
            .run(ModelZooTests.formulaInput(graph.inputs[0].shape))
        let err = ModelZooTests.relativeError(y, expected)
        print("\(a.rawValue) at 72 px: relative error vs PyTorch \(err)")
        #expect(y.shape == [10, 1] && err < 1e-4, "\(a.rawValue) at 72 px: relative error \(err)")
    }

    /// Clip [1, C, T, S, S] → frames [T(+1), C, S, S]: element (c, t, p) lands at (t, c, p).
    @Test func framesFromClipPermuteChannelsAndTime() {
        let (c, t, side) = (2, 3, 2)
        let clip = Tensor(shape: [1, c, t, side, side], scalars: (0..<(c * t * 4)).map(Float.init))
        let f = FrameLayout.frames(fromClip: clip, extraFrame: false)
        #expect(f.shape == [3, 2, 2, 2])
        let x = clip.floatValues(), y = f.floatValues()
        for ch in 0..<c { for fr in 0..<t { for p in 0..<4 { #expect(y[(fr * c + ch) * 4 + p] == x[(ch * t + fr) * 4 + p]) } } }
        let e = FrameLayout.frames(fromClip: clip, extraFrame: true)
        #expect(e.shape == [4, 2, 2, 2] && Array(e.floatValues()[24...]) == Array(y[16..<24]))
        #expect(FrameLayout.fits(modelInput: [3, 2, 2, 2], clipShape: [1, 2, 3, 2, 2]) == (true, false))
        #expect(FrameLayout.fits(modelInput: [4, 2, 2, 2], clipShape: [1, 2, 3, 2, 2]) == (true, true))
        #expect(FrameLayout.fits(modelInput: [3, 6, 2, 2], clipShape: [1, 2, 3, 2, 2]).fits == false)
    }

    @Test func keysAndOrderMatchPyTorch() throws {
        for (a, weights, _) in Self.cases {
            let sd = try ModelZooTests.weights(weights)
            let declared = ModelZoo.parameterShapes(a, inputSize: 36)
            #expect(declared.map(\.key) == sd.keys, "\(a.rawValue)")
            #expect(declared.map(\.shape) == sd.entries.map(\.tensor.shape), "\(a.rawValue)")
        }
        #expect(ModelZoo.parameterShapes(.tsCAN).count == 24)
        #expect(ModelZoo.parameterShapes(.efficientPhys).count == 21)
        #expect(ModelZoo.parameterShapes(.deepPhys).first { $0.key == "final_dense_1.weight" }?.shape == [128, 16384])
        #expect(ModelZoo.inputShape(.efficientPhys, batch: 2, frames: 180, size: 72) == [361, 3, 72, 72])
        #expect(ModelZoo.inputShape(.deepPhys, batch: 2, frames: 180, size: 72) == [360, 6, 72, 72])
    }

    @Test func detectsFrameModelsAndTheirFrameSide() throws {
        let can = try ModelZoo.detect(ModelZooTests.weights("deepphys_weights.pth"))
        #expect(can.architecture == .tsCAN)
        #expect(can.alsoFits == [.deepPhys])
        #expect(can.hyperparameters["inputSize"] == "36" && can.hyperparameters["inChannels"] == "6")
        let eff = try ModelZoo.detect(ModelZooTests.weights("efficientphys_weights.pth"))
        #expect(eff.architecture == .efficientPhys)
        #expect(eff.alsoFits.isEmpty && eff.unusedKeys.isEmpty)
        #expect(eff.hyperparameters["frameDepth"] == "10" && eff.hyperparameters["inputSize"] == "36")
        // Existing models are still found alone.
        #expect(try ModelZoo.detect(ModelZooTests.weights("tinypulse_weights.pth")).alsoFits.isEmpty)
    }

    @Test func nearMissNamesClosestFrameModel() throws {
        var entries = try ModelZooTests.weights("efficientphys_weights.pth").entries
        entries.removeAll { $0.key.hasPrefix("batch_norm.") }
        let error = try #require(throws: ArchitectureMismatch.self) { try ModelZoo.detect(StateDict(entries)) }
        #expect(error.closest == .efficientPhys)
        #expect(error.difference.missing.count == 5 && error.difference.unexpected.isEmpty)
        #expect(error.description.contains("batch_norm.running_var") && error.description.contains("efficientphys"))
        #expect(error.description.contains("tscan, deepphys, efficientphys"))
    }

    @Test func temporalShiftNeedsWholeSegments() throws {
        let sd = try ModelZooTests.weights("deepphys_weights.pth")
        let error = try #require(throws: ZooShapeError.self) { try ModelZoo.graph(.tsCAN, stateDict: sd, batch: 1, frames: 15) }
        #expect(error.description.contains("multiple of 10"))
        // DeepPhys has no temporal shift: any T.
        let g = try ModelZoo.graph(.deepPhys, stateDict: sd, batch: 1, frames: 3)
        #expect(g.inputs[0].shape == [3, 6, 36, 36] && g.outputs[0].shape == [3, 1])
    }
}
