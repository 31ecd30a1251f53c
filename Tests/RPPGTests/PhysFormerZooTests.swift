import Foundation
import NN
@testable import RPPG
import TensorCore
import Testing
import TorchIO

/// rPPG-Toolbox's PhysFormer against its PyTorch twin (Tools/pytorch_physformer.py), fixtures from
/// `python3 Tools/make_physformer_fixtures.py .build/release/rppg`: keys of the toolbox
/// configuration (dim 96, 12 layers), and a small configuration with stored random weights (dim
/// 16, 6 layers) run on two formula clips of 16 frames at the toolbox's 128 pixels.
struct PhysFormerZooTests {
    static let weights = "physformer_weights.pth"

    @Test func keysShapesAndOrderMatchPyTorch() throws {
        let theirs = try JSONDecoder().decode(IBVPNetZooTests.Keys.self,
                                              from: Data(contentsOf: ModelZooTests.zoo.appendingPathComponent("physformer_keys.json")))
        let mine = ModelZoo.parameterShapes(.physFormer)
        #expect(mine.map(\.key) == theirs.keys.map(\.key))
        #expect(mine.map(\.shape) == theirs.keys.map(\.shape))
        let buffers = [".running_mean", ".running_var", ".num_batches_tracked"]
        let trainable = mine.filter { p in !buffers.contains { p.key.hasSuffix($0) } }
        #expect(trainable.reduce(0) { $0 + $1.shape.reduce(1, *) } == theirs.parameters)
    }

    @Test func matchesPyTorch() throws {
        let expected = try #require(try ModelZooTests.load("physformer_b2_t16_s128.pt")["output"]?.tensor)
        let graph = try ModelZoo.graph(.physFormer, stateDict: ModelZooTests.weights(Self.weights), batch: 2, frames: 16)
        #expect(graph.inputs[0].shape == [2, 3, 16, 128, 128] && graph.outputs[0].shape == [2, 16])
        // One Softmax per block: 6 blocks, each attending over the (16/4)·4·4 = 64 tokens.
        #expect(graph.nodes.filter { if case .softmax = $0.op { return true }; return false }.count == 6)
        let x = ModelZooTests.formulaInput([2, 3, 16, 128, 128])
        for optimized in [false, true] {
            let g = optimized ? GraphPasses.optimizeForInference(graph) : graph
            let y = try FP32Executor(graph: g, threads: 2).run(x)
            let err = ModelZooTests.relativeError(y, expected)
            print("physformer optimized=\(optimized): relative error vs PyTorch \(err)")
            #expect(y.shape == [2, 16] && err < 1e-4, "optimized=\(optimized): relative error \(err)")
        }
    }

    /// CDC_T folded into the centre tap: taps 0 and 2 stay, the centre loses θ·Σ(taps 0 and 2).
    @Test func centralDifferenceFoldsIntoTheCentreTap() throws {
        let w = Tensor(shape: [1, 1, 3, 3, 3], scalars: (0..<27).map { Float($0) })
        let f = PhysFormerModel.foldCentralDifference(w, theta: 0.5).floatValues()
        let taps0and2 = (0..<9).reduce(Float(0)) { $0 + Float($1) + Float(18 + $1) }
        #expect(f[13] == 13 - 0.5 * taps0and2)
        #expect(zip(f, w.floatValues()).enumerated().allSatisfy { $0.offset == 13 || $0.element.0 == $0.element.1 })
    }

    @Test func detectsPhysFormerAndReadsItsConfiguration() throws {
        let sd = try ModelZooTests.weights(Self.weights)
        let match = try ModelZoo.detect(sd)
        #expect(match.architecture == .physFormer && match.alsoFits.isEmpty && match.unusedKeys.isEmpty)
        #expect(match.hyperparameters["dim"] == "16" && match.hyperparameters["ffDim"] == "24")
        #expect(match.hyperparameters["layers"] == "6" && match.hyperparameters["patch"] == "4")
        #expect(match.hyperparameters["inputSize"] == "128")
        let prefixed = StateDict(sd.entries.map { ("module." + $0.key, $0.tensor) })
        #expect(try ModelZoo.detect(prefixed).architecture == .physFormer)
    }

    @Test func nearMissNamesPhysFormerAndTheKey() throws {
        var entries = try ModelZooTests.weights(Self.weights).entries
        entries.removeAll { $0.key == "transformer2.blocks.1.attn.proj_k.0.conv.weight" }
        let error = try #require(throws: ArchitectureMismatch.self) { try ModelZoo.detect(StateDict(entries)) }
        #expect(error.closest == .physFormer)
        #expect(error.difference.missing == ["transformer2.blocks.1.attn.proj_k.0.conv.weight"])
    }

    /// The forward fixes a 4×4 token grid: 64-pixel frames do not give it, and the error says so.
    @Test func frameSideOffTheTokenGridIsAClearError() throws {
        let error = try #require(throws: ZooShapeError.self) {
            try ModelZoo.graph(.physFormer, stateDict: ModelZooTests.weights(Self.weights), batch: 1, frames: 16, inputSize: 64)
        }
        #expect(error.description.contains("4×4"))
    }
}
