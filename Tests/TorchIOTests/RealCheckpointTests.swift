import Foundation
import TensorCore
import Testing
import TorchIO

/// The rPPG-Toolbox release checkpoint in ../shared/checkpoints (outside the repository).
@Suite struct RealCheckpointTests {
    static let url = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent(
            "shared/checkpoints/PURE_PhysNet_DiffNormalized.pth")

    @Test func physNetReleaseCheckpointHas79Tensors() throws {
        guard FileManager.default.fileExists(atPath: Self.url.path) else {
            print("skipped: \(Self.url.path) is not present")
            return
        }
        let contents = try TorchFile.read(Self.url)
        #expect(contents.format == .zip)
        let checkpoint = try Checkpoint(root: contents.value, source: Self.url.path)
        #expect(checkpoint.stateDict.entries.count == 79)
        let first = try #require(checkpoint.stateDict["ConvBlock1.0.weight"])
        #expect(first.dtype == .float32)
        #expect(first.shape == [16, 3, 1, 5, 5])
        // A BatchNorm counter is a 0-dim int64.
        let counter = try #require(checkpoint.stateDict["ConvBlock1.1.num_batches_tracked"])
        #expect(counter.shape == [] && counter.dtype == .int64)
    }
}
