import Foundation
import RPPG
import Testing

/// The PNG reader on files written by Pillow and by `Tools/make_png_fixtures.py` (one file per
/// filter type, a mixed-filter RGBA file, an Adam7 file), checked against the pixels Pillow
/// decodes; the writer's output read back; bad files refused with the file named.
@Suite struct PNGReaderTests {
    static let dir = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("png")

    static func expectedRGB() throws -> [UInt8] {
        [UInt8](try Data(contentsOf: dir.appendingPathComponent("expected_rgb.raw")))
    }

    @Test(arguments: ["pillow_rgb.png", "pillow_rgba.png", "filter_0.png", "filter_1.png", "filter_2.png",
                      "filter_3.png", "filter_4.png", "filters_mixed.png"])
    func decodesToThePixelsPillowDecodes(_ name: String) throws {
        let frame = try PNGReader.read(Self.dir.appendingPathComponent(name))
        #expect(frame.width == 23 && frame.height == 17)
        #expect(frame.rgb == (try Self.expectedRGB()))
    }

    @Test func interlacedIsRefusedNamingTheFile() throws {
        let url = Self.dir.appendingPathComponent("interlaced.png")
        #expect(throws: PNGError(path: url.path, reason: "interlaced (Adam7) PNGs are not supported; save it without interlacing")) {
            try PNGReader.read(url)
        }
    }

    @Test(arguments: PNGWriter.Filter.allCases)
    func writerOutputReadsBack(_ filter: PNGWriter.Filter) throws {
        let rgb = try Self.expectedRGB()
        let frame = VideoFrame(width: 23, height: 17, rgb: rgb)
        let decoded = try PNGReader.decode(PNGWriter.encode(frame, filter: filter), path: "mem.png")
        #expect(decoded == frame)
    }

    @Test func truncatedAndCorruptFilesAreRefused() throws {
        let bytes = [UInt8](try Data(contentsOf: Self.dir.appendingPathComponent("filter_4.png")))
        let truncated = Array(bytes[0..<(bytes.count - 40)])
        #expect(throws: PNGError.self) { try PNGReader.decode(truncated, path: "t.png") }
        var flipped = bytes
        flipped[60] ^= 0x01   // inside the IDAT data: the CRC no longer matches
        #expect(throws: PNGError(path: "c.png", reason: "chunk IDAT has a bad CRC (corrupt file)")) {
            try PNGReader.decode(flipped, path: "c.png")
        }
        #expect(throws: PNGError(path: "s.png", reason: "not a PNG file (bad signature)")) {
            try PNGReader.decode(Array(bytes.dropFirst()), path: "s.png")
        }
        let missing = Self.dir.appendingPathComponent("nope.png")
        do {
            _ = try PNGReader.read(missing)
            Issue.record("a missing file decoded")
        } catch let error as PNGError {
            #expect(error.description.contains(missing.path))
        }
    }
}
