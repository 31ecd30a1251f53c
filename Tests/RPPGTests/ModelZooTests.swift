import Foundation
import NN
import RPPG
import TensorCore
import Testing
import TorchIO

/// The Swift zoo against PyTorch (fixtures from Tools/make_nn_fixtures.py with Tools/pytorch_zoo.py).
struct ModelZooTests {
    static let zoo = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("zoo")
    /// The real rPPG-Toolbox PURE PhysNet checkpoint lives beside the repository (shared/), not in it.
    static let pure: URL? = {
        if let env = ProcessInfo.processInfo.environment["RPPG_PURE_PHYSNET"] { return URL(fileURLWithPath: env) }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let candidates = [root.appendingPathComponent("../shared/checkpoints/PURE_PhysNet_DiffNormalized.pth"),
                          URL(fileURLWithPath: "/work/shared/checkpoints/PURE_PhysNet_DiffNormalized.pth")]
        return candidates.first { FileManager.default.fileExists(atPath: $0.path) }
    }()
    #if DEBUG
    static let release = false
    #else
    static let release = true
    #endif

    static func load(_ name: String) throws -> PickleValue { try TorchFile.load(zoo.appendingPathComponent(name)) }
    static func weights(_ name: String) throws -> StateDict { try Checkpoint.load(zoo.appendingPathComponent(name)).stateDict }

    /// x.flatten()[i] = sin(0.37 i) + 0.5 sin(0.011 i), as in make_nn_fixtures.py.
    static func formulaInput(_ shape: [Int]) -> Tensor {
        let n = shape.reduce(1, *)
        return Tensor(shape: shape, scalars: (0..<n).map { i -> Float in
            let d = Double(i)
            return Float(sin(0.37 * d) + 0.5 * sin(0.011 * d))
        })
    }

    static func relativeError(_ a: Tensor, _ b: Tensor) -> Float {
        let x = a.floatValues(), y = b.floatValues()
        let maxAbs = y.map { abs($0) }.max() ?? 0
        let diff = zip(x, y).map { abs($0 - $1) }.max() ?? 0
        return diff / max(maxAbs, 1e-12)
    }

    /// Runs the zoo graph with and without the inference passes and compares with PyTorch.
    static func check(_ a: ZooArchitecture, _ sd: StateDict, input: Tensor, expected: Tensor) throws {
        let s = input.shape
        let graph = try ModelZoo.graph(a, stateDict: sd, batch: s[0], frames: s[2], inputSize: s[3])
        for optimized in [false, true] {
            let g = optimized ? GraphPasses.optimizeForInference(graph) : graph
            let y = try FP32Executor(graph: g, threads: 2).run(input)
            #expect(y.shape == [s[0], s[2]])
            let err = relativeError(y, expected)
            #expect(err < 1e-4, "\(a.rawValue) \(s) optimized=\(optimized): relative error \(err)")
        }
    }

    @Test func parameterKeysMatchPyTorch() throws {
        #expect(ModelZoo.parameterShapes(.tinyPulse).count == 20)
        #expect(ModelZoo.parameterShapes(.physNet).count == 79)
        #expect(ModelZoo.parameterShapes(.factorizePhys).count == 12)
        let tiny = try Self.weights("tinypulse_weights.pth")
        #expect(ModelZoo.parameterShapes(.tinyPulse).map(\.key) == tiny.keys)
        #expect(ModelZoo.parameterShapes(.tinyPulse).map(\.shape) == tiny.entries.map(\.tensor.shape))
    }

    @Test func detectsArchitectures() throws {
        let tiny = try ModelZoo.detect(Self.weights("tinypulse_weights.pth"))
        #expect(tiny.architecture == .tinyPulse)
        #expect(tiny.hyperparameters["widths"] == "8,16,32")
        #expect(tiny.unusedKeys.isEmpty)
        let fp = try ModelZoo.detect(Self.weights("factorizephys_weights.pth"))
        #expect(fp.architecture == .factorizePhys)
        #expect(fp.unusedKeys.count == 4 && fp.unusedKeys.allSatisfy { $0.hasPrefix("rppg_head.fsam.") })
    }

    @Test(.enabled(if: pure != nil, "PURE PhysNet checkpoint not found beside the repository"))
    func detectsRealPhysNetCheckpoint() throws {
        let match = try ModelZoo.detect(Checkpoint.load(Self.pure!).stateDict)
        #expect(match.architecture == .physNet)
        #expect(match.hyperparameters["widths"] == "16,32,64")
    }

    @Test func strictLoadingListsEveryDifference() throws {
        var entries = try Self.weights("tinypulse_weights.pth").entries
        entries.removeAll { $0.key == "block2.1.running_var" }
        entries.append((key: "extra.weight", tensor: Tensor(zeros: [2])))
        let i = entries.firstIndex { $0.key == "head.weight" }!
        entries[i].tensor = Tensor(zeros: [1, 32, 3, 1, 1])
        let error = try #require(throws: ParameterDifference.self) {
            try ModelZoo.graph(.tinyPulse, stateDict: StateDict(entries))
        }
        #expect(error.missing == ["block2.1.running_var"])
        #expect(error.unexpected == ["extra.weight"])
        #expect(error.misshaped.map(\.0) == ["head.weight"])
        #expect(error.description.contains("block2.1.running_var") && error.description.contains("extra.weight")
                && error.description.contains("head.weight"))
    }

    @Test func unknownCheckpointNamesClosestModel() throws {
        var entries = try Self.weights("tinypulse_weights.pth").entries
        entries.removeAll { $0.key.hasPrefix("head.") }
        entries.append((key: "classifier.weight", tensor: Tensor(zeros: [10, 32])))
        let error = try #require(throws: ArchitectureMismatch.self) { try ModelZoo.detect(StateDict(entries)) }
        #expect(error.closest == .tinyPulse)
        #expect(error.description.contains("head.weight") && error.description.contains("classifier.weight"))
    }

    @Test(arguments: ["tinypulse_b1_t128.pt", "tinypulse_b2_t160.pt"])
    func tinyPulseMatchesPyTorch(_ file: String) throws {
        let f = try Self.load(file)
        try Self.check(.tinyPulse, Self.weights("tinypulse_weights.pth"), input: f["input"]!.tensor!,
                       expected: f["output"]!.tensor!)
    }

    @Test(arguments: ["tinypulse2d_b1_t128.pt", "tinypulse2d_b2_t160.pt"])
    func tinyPulse2DMatchesPyTorch(_ file: String) throws {
        let f = try Self.load(file)
        try Self.check(.tinyPulse2D, Self.weights("tinypulse2d_weights.pth"), input: f["input"]!.tensor!,
                       expected: f["output"]!.tensor!)
    }

    /// Keys, order and shapes as PyTorch's state_dict; detect tells it from TinyPulse (same
    /// prefixes stem/block2/block3/head, 2-D kernels) and reads its hyper-parameters.
    @Test func tinyPulse2DKeysAndDetection() throws {
        let sd = try Self.weights("tinypulse2d_weights.pth")
        #expect(ModelZoo.parameterShapes(.tinyPulse2D).map(\.key) == sd.keys)
        #expect(ModelZoo.parameterShapes(.tinyPulse2D).map(\.shape) == sd.entries.map(\.tensor.shape))
        let match = try ModelZoo.detect(sd)
        #expect(match.architecture == .tinyPulse2D)
        #expect(match.hyperparameters["widths"] == "8,16,32")
        #expect(match.hyperparameters["temporalKernel"] == "5")
        #expect(try ModelZoo.detect(Self.weights("tinypulse_weights.pth")).architecture == .tinyPulse)
        // Only 2-D operators: no 3-D conv or pool reaches the graph.
        let g = try ModelZoo.graph(.tinyPulse2D, stateDict: sd)
        for node in g.nodes {
            if case .conv(let a) = node.op { #expect(a.spatialRank == 2, "\(node.name)") }
            if case .avgPool(let a) = node.op { #expect(a.kernel.count == 2, "\(node.name)") }
        }
    }

    @Test(.enabled(if: pure != nil, "PURE PhysNet checkpoint not found beside the repository"),
          arguments: ["physnet_b1_t128.pt", "physnet_b2_t160.pt"])
    func physNetMatchesPyTorch(_ file: String) throws {
        let f = try Self.load(file)
        try Self.check(.physNet, Checkpoint.load(Self.pure!).stateDict, input: f["input"]!.tensor!,
                       expected: f["output"]!.tensor!)
    }

    @Test func factorizePhysMatchesPyTorchShortClip() throws {
        let expected = try Self.load("factorizephys_formula_b1_t8_s72.pt")["output"]!.tensor!
        try Self.check(.factorizePhys, Self.weights("factorizephys_weights.pth"),
                       input: Self.formulaInput([1, 3, 8, 72, 72]), expected: expected)
    }

    /// Full-size clips: release builds only (a debug build is ~30× slower in the kernels).
    @Test(.enabled(if: release), arguments: [
        ("factorizephys", "factorizephys_formula_b1_t160_s72.pt", [1, 3, 160, 72, 72]),
        ("factorizephys", "factorizephys_formula_b2_t128_s72.pt", [2, 3, 128, 72, 72]),
        ("tinypulse", "tinypulse_formula_b1_t128_s36.pt", [1, 3, 128, 36, 36]),
        ("tinypulse2d", "tinypulse2d_formula_b1_t128_s36.pt", [1, 3, 128, 36, 36]),
        ("physnet", "physnet_formula_b1_t128_s72.pt", [1, 3, 128, 72, 72]),
    ])
    func fullSizeClipsMatchPyTorch(_ model: String, _ file: String, _ shape: [Int]) throws {
        let a = ZooArchitecture(rawValue: model)!
        let sd: StateDict
        switch a {
        case .physNet:
            guard let pure = Self.pure else { return }
            sd = try Checkpoint.load(pure).stateDict
        case .tinyPulse: sd = try Self.weights("tinypulse_weights.pth")
        case .factorizePhys: sd = try Self.weights("factorizephys_weights.pth")
        case .tinyPulse2D: sd = try Self.weights("tinypulse2d_weights.pth")
        default:
            Issue.record("\(model) has no full-size clip fixture")
            return
        }
        try Self.check(a, sd, input: Self.formulaInput(shape), expected: Self.load(file)["output"]!.tensor!)
    }
}
