import Foundation
import RPPG
import Testing

@Suite struct VideoAVIWriterTests {
    @Test func roundTripsFramesWithRowPadding() throws {
        let dir = try VideoFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("out.avi")
        let writer = try AVIWriter(url: url, width: 30, height: 24, frameRate: 29.97)
        var frames: [VideoFrame] = []
        var g = SeededGenerator(seed: 3)
        for _ in 0..<4 {
            let f = VideoFrame(width: 30, height: 24, rgb: (0..<(30 * 24 * 3)).map { _ in UInt8(truncatingIfNeeded: g.next()) })
            frames.append(f)
            try writer.append(f)
        }
        #expect(!FileManager.default.fileExists(atPath: url.path), "nothing appears before finish()")
        try writer.finish()
        let video = try AVIReader(url: url)
        #expect(video.frameCount == 4 && video.isBottomUp && video.indexSource == "idx1")
        #expect(abs(video.frameRate - 29.97) < 1e-9)
        for i in 0..<4 { #expect(try video.readFrame(i) == frames[i]) }
    }

    @Test func abandonedWriterLeavesNoFile() throws {
        let dir = try VideoFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("never.avi")
        do {
            let writer = try AVIWriter(url: url, width: 8, height: 8, frameRate: 30)
            try writer.append(VideoFrame(width: 8, height: 8, value: 7))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }
}
