import Foundation
import NN
import RPPG
import TensorCore
import Testing
import TorchIO

/// rPPG-Toolbox's iBVPNet against its PyTorch twin (Tools/pytorch_zoo.py IBVPNet), fixtures from
/// `python3 Tools/make_ibvpnet_fixtures.py .build/release/rppg`. Its 1.4 M parameters are not
/// stored: weights by formula (`ModelZoo.formulaWeights`, the script's `formula_state_`), two
/// clips of 16 frames at the toolbox's 72 pixels.
struct IBVPNetZooTests {
    struct Keys: Decodable {
        struct Entry: Decodable {
            let key: String, shape: [Int]
            init(from decoder: Decoder) throws {
                var c = try decoder.unkeyedContainer()
                key = try c.decode(String.self)
                shape = try c.decode([Int].self)
            }
        }
        let keys: [Entry]
        let parameters: Int
    }

    static func pytorchKeys() throws -> Keys {
        try JSONDecoder().decode(Keys.self, from: Data(contentsOf: ModelZooTests.zoo.appendingPathComponent("ibvpnet_keys.json")))
    }

    /// A state dict with PyTorch's keys, shapes and order, and the formula's values.
    static func pytorchStateDict() throws -> StateDict {
        let formula = ModelZoo.formulaWeights(.iBVPNet)
        return StateDict(try pytorchKeys().keys.map { ($0.key, try #require(formula[$0.key])) })
    }

    @Test func keysShapesAndOrderMatchPyTorch() throws {
        let theirs = try Self.pytorchKeys()
        let mine = ModelZoo.parameterShapes(.iBVPNet)
        #expect(mine.map(\.key) == theirs.keys.map(\.key))
        #expect(mine.map(\.shape) == theirs.keys.map(\.shape))
        #expect(mine.count == 34)
        #expect(mine.reduce(0) { $0 + $1.shape.reduce(1, *) } == theirs.parameters)
    }

    @Test func matchesPyTorch() throws {
        let expected = try #require(try ModelZooTests.load("ibvpnet_formula_b2_t16_s72.pt")["output"]?.tensor)
        let graph = try ModelZoo.graph(.iBVPNet, stateDict: ModelZoo.formulaWeights(.iBVPNet), batch: 2, frames: 16)
        #expect(graph.inputs[0].shape == [2, 3, 16, 72, 72] && graph.outputs[0].shape == [2, 16])
        // The adaptive max pool (31 decoder frames → 16, uneven windows) is a Gather then a MaxPool.
        let gathers = graph.nodes.compactMap { node -> [Int]? in if case .gather(let axis, let i) = node.op, axis == 2 { return i }; return nil }
        #expect(gathers.map(\.count) == [48])
        let x = ModelZooTests.formulaInput([2, 3, 16, 72, 72])
        for optimized in [false, true] {
            let g = optimized ? GraphPasses.optimizeForInference(graph) : graph
            let y = try FP32Executor(graph: g, threads: 2).run(x)
            let err = ModelZooTests.relativeError(y, expected)
            print("ibvpnet optimized=\(optimized): relative error vs PyTorch \(err)")
            #expect(y.shape == [2, 16] && err < 1e-4, "optimized=\(optimized): relative error \(err)")
        }
    }

    @Test func detectsIBVPNet() throws {
        let match = try ModelZoo.detect(try Self.pytorchStateDict())
        #expect(match.architecture == .iBVPNet)
        #expect(match.alsoFits.isEmpty && match.unusedKeys.isEmpty)
        #expect(match.hyperparameters["nf"] == "8,16,24,40,64" && match.hyperparameters["frames"] == "160")
        // DataParallel's `module.` prefix is stripped as for the other models.
        let prefixed = StateDict(try Self.pytorchStateDict().entries.map { ("module." + $0.key, $0.tensor) })
        #expect(try ModelZoo.detect(prefixed).architecture == .iBVPNet)
    }

    @Test func nearMissNamesIBVPNetAndTheKey() throws {
        var entries = try Self.pytorchStateDict().entries
        entries.removeAll { $0.key == "ibvpnet.3.bias" }
        let error = try #require(throws: ArchitectureMismatch.self) { try ModelZoo.detect(StateDict(entries)) }
        #expect(error.closest == .iBVPNet)
        #expect(error.difference.missing == ["ibvpnet.3.bias"] && error.difference.unexpected.isEmpty)
        #expect(error.description.contains("ibvpnet.3.bias"))
    }

    /// The decoder must come down to 1×1 pixels: 32 pixels do not, and the error says so.
    @Test func frameSideTooSmallIsAClearError() throws {
        #expect(throws: (any Error).self) {
            try ModelZoo.graph(.iBVPNet, stateDict: ModelZoo.formulaWeights(.iBVPNet), batch: 1, frames: 16, inputSize: 32)
        }
    }
}
