import Foundation
import TensorCore
import Testing
import TorchIO

/// Values read from files made by real PyTorch equal what torch.load returns, exactly.
@Suite struct TorchFileReadingTests {
    static let valueFixtures = [
        "plain", "dtypes", "views", "checkpoint", "dataparallel", "protocol4", "legacy", "big_endian",
        "deflate", "zip64",
    ]

    @Test(arguments: valueFixtures)
    func valuesMatchTorchLoad(_ name: String) throws {
        let value = try TorchFile.load(Fixtures.url("\(name).pt"))
        #expect(render(value) == (try Fixtures.text("\(name).expected.txt")))
    }

    @Test func formatsAreReported() throws {
        #expect(try TorchFile.read(Fixtures.url("legacy.pt")).format == .legacy)
        #expect(try TorchFile.read(Fixtures.url("views.pt")).format == .zip)
        #expect(try TorchFile.read(Fixtures.url("big_endian.pt")).byteOrder == "big")
    }

    @Test func contiguousViewsBorrowOneStorage() throws {
        let value = try TorchFile.load(Fixtures.url("views.pt"))
        let base = try #require(value["base"]?.tensor)
        let rows = try #require(value["rows"]?.tensor)
        #expect(rows.sharesStorage(with: base))
        #expect(rows.scalars(as: Float.self) == Array(base.scalars(as: Float.self)[6..<18]))
        // The transposed view is gathered into its own contiguous tensor.
        let transposed = try #require(value["transposed"]?.tensor)
        #expect(!transposed.sharesStorage(with: base))
        #expect(transposed.shape == [6, 4])
        #expect(transposed.scalars(as: Float.self)[1] == 3.0)  // base[1][0] = 6 * 0.5
        let element = try #require(value["element"]?.tensor)
        #expect(element.shape == [] && element.scalars(as: Float.self) == [7.5])
        #expect(try #require(value["empty"]?.tensor).shape == [0, 3])
    }

    @Test func legacyViewsShareTheirRootStorage() throws {
        let value = try TorchFile.load(Fixtures.url("legacy.pt"))
        let base = try #require(value["base"]?.tensor)
        let rows = try #require(value["rows"]?.tensor)
        #expect(rows.sharesStorage(with: base))
        #expect(value["epoch"] == .int(3))
    }

    @Test func trainingCheckpointMetadataAndOptimizerState() throws {
        let checkpoint = try Checkpoint.load(Fixtures.url("checkpoint.pt"))
        #expect(checkpoint.epoch == 7)
        #expect(checkpoint.valMAE == 2.5)
        #expect(checkpoint.stateDictKey == "model_state_dict")
        #expect(checkpoint.strippedPrefix == nil)
        #expect(checkpoint.stateDict.keys.first == "0.weight")
        #expect(checkpoint.stateDict["1.num_batches_tracked"]?.shape == [])
        let optimizer = try #require(checkpoint.root["optimizer_state_dict"])
        // Adam's per-parameter state is keyed by int parameter index.
        let state = try #require(optimizer["state"])
        #expect(state.dictEntries.first?.key == .int(0))
        guard case .list(let groups)? = optimizer["param_groups"] else {
            Issue.record("no param_groups")
            return
        }
        #expect(groups.first?["betas"] == .tuple([.float(0.9), .float(0.999)]))
    }

    @Test func dataParallelPrefixIsStrippedOnRequestAndReported() throws {
        let stripped = try Checkpoint.load(Fixtures.url("dataparallel.pt"))
        #expect(stripped.strippedPrefix == "module.")
        #expect(stripped.stateDict.keys.allSatisfy { !$0.hasPrefix("module.") })
        let kept = try Checkpoint.load(Fixtures.url("dataparallel.pt"), stripModulePrefix: false)
        #expect(kept.strippedPrefix == nil && kept.detectedPrefix == "module.")
        #expect(kept.stateDict.keys.allSatisfy { $0.hasPrefix("module.") })
        #expect(kept.stateDict.entries.count == stripped.stateDict.entries.count)
    }
}
