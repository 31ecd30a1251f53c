import Foundation
import RPPG
import Testing

@Suite struct VideoAVIReaderTests {
    static let readable = ["ffmpeg_bgr24.avi", "ffmpeg_bgra.avi", "bottomup_padded_idx1.avi", "topdown_noindex.avi",
                           "opendml_indx.avi", "opendml_avix.avi"]

    @Test(arguments: readable)
    func readsEveryFrameExactlyAsFFmpegDecodesIt(name: String) throws {
        let expected = try VideoFixtures.bytes("expected_rgb.bin")
        let video = try AVIReader(url: VideoFixtures.url(name))
        #expect(video.width == 30 && video.height == 24)
        #expect(abs(video.frameRate - 30) < 1e-9)
        #expect(video.frameCount == 5)
        let frameBytes = 30 * 24 * 3
        var frame = VideoFrame(width: 1, height: 1)
        for i in 0..<video.frameCount {
            try video.readFrame(i, into: &frame)
            #expect(frame.rgb == Array(expected[(i * frameBytes)..<((i + 1) * frameBytes)]), "frame \(i) of \(name)")
        }
    }

    @Test func usesTheIndexEachFileCarries() throws {
        #expect(try AVIReader(url: VideoFixtures.url("opendml_indx.avi")).indexSource == "indx")
        #expect(try AVIReader(url: VideoFixtures.url("opendml_avix.avi")).indexSource == "indx")
        #expect(try AVIReader(url: VideoFixtures.url("bottomup_padded_idx1.avi")).indexSource == "idx1")
        #expect(try AVIReader(url: VideoFixtures.url("topdown_noindex.avi")).indexSource == "scan")
        let bottomUp = try AVIReader(url: VideoFixtures.url("bottomup_padded_idx1.avi"))
        #expect(bottomUp.isBottomUp && bottomUp.bitsPerPixel == 24)
        #expect(try AVIReader(url: VideoFixtures.url("ffmpeg_bgra.avi")).bitsPerPixel == 32)
    }

    @Test func truncatedFileReportsTheFrame() throws {
        let video = try AVIReader(url: VideoFixtures.url("truncated.avi"))
        for i in 0..<3 { _ = try video.readFrame(i) }
        #expect(video.frameCount == 4)
        do {
            _ = try video.readFrame(3)
            Issue.record("frame 3 should be reported as truncated")
        } catch let error as VideoError {
            guard case .truncated(let p, let frame, _) = error else { Issue.record("wrong error \(error)"); return }
            #expect(frame == 3 && p.hasSuffix("truncated.avi"))
            #expect(error.description.contains("frame 3"))
        }
    }

    @Test func shortFrameChunkIsReportedLikeUBFCSubject33() throws {
        let video = try AVIReader(url: VideoFixtures.url("short_chunk.avi"))
        _ = try video.readFrame(1)
        #expect(throws: VideoError.self) { _ = try video.readFrame(2) }
        do { _ = try video.readFrame(2) } catch let e as VideoError {
            #expect(e.description.contains("at frame 2") && e.description.contains("expected 2208"))
        }
    }

    @Test func compressedVideoNamesTheCodecAndTheConversion() throws {
        do {
            _ = try AVIReader(url: VideoFixtures.url("ffmpeg_mjpeg.avi"))
            Issue.record("MJPEG must be rejected")
        } catch let error as VideoError {
            #expect(error.description.contains("MJPG"))
            #expect(error.description.contains("ffmpeg -i"))
            #expect(error.description.contains("-c:v rawvideo -pix_fmt bgr24"))
        }
    }

    @Test func garbageAndMissingFilesAreClearErrors() throws {
        let dir = try VideoFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let junk = dir.appendingPathComponent("junk.avi")
        try Data("not a video at all".utf8).write(to: junk)
        #expect(throws: VideoError.self) { _ = try AVIReader(url: junk) }
        #expect(throws: VideoError.self) { _ = try AVIReader(url: dir.appendingPathComponent("missing.avi")) }
        // A header that claims a huge hdrl must not allocate it.
        var bytes = Array("RIFF".utf8) + [0xff, 0xff, 0xff, 0x7f] + Array("AVI LIST".utf8) + [0xff, 0xff, 0xff, 0x7f] + Array("hdrl".utf8)
        bytes += [UInt8](repeating: 0, count: 64)
        let bad = dir.appendingPathComponent("bad.avi")
        try Data(bytes).write(to: bad)
        #expect(throws: VideoError.self) { _ = try AVIReader(url: bad) }
    }
}
