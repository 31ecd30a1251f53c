import Foundation
import RPPG
import TensorCore
import Testing
import Workflow

/// `rppg preprocess` keeps a record of its face boxes: `<output>/<name>_meta.json` per subject,
/// and with `checkFace` the first frame with the boxes drawn, as a PNG that decodes.
@Suite struct PreprocessMetaTests {
    @Test func metaFileAndFacePNGDescribeTheCrop() throws {
        let dir = try PipelineEndToEndTests.temporaryDirectory("preprocess-meta")
        defer { try? FileManager.default.removeItem(at: dir) }
        let raw = dir.appendingPathComponent("raw")
        _ = try SyntheticDataset.write(to: raw, options: SyntheticDataset.Options(subjects: 2, seconds: 9, seed: 5, width: 96, height: 72))
        var options = PreprocessOptions(rawData: raw, output: dir.appendingPathComponent("data"))
        options.checkFace = true
        options.threads = 2
        let result = try Preprocess.run(options)
        #expect(result.metaFiles.map(\.lastPathComponent).sorted()
                == ["subject1_face.png", "subject1_meta.json", "subject2_face.png", "subject2_meta.json"])

        let detector = HaarDetector(cascade: try HaarCascade.load(path: HaarCascade.defaultPath))
        for name in ["subject1", "subject2"] {
            let video = raw.appendingPathComponent("\(name)/vid.avi")
            let reader = try AVIReader(url: video)
            let meta = try PreprocessMeta.load(dir.appendingPathComponent("data/\(name)_meta.json"))
            #expect(meta.video == video.path && meta.frames == reader.frameCount)
            #expect(meta.width == 96 && meta.height == 72)
            #expect(meta.clips == reader.frameCount / 128)
            #expect(meta.detections.count == 1 && meta.detections[0].frame == 0)

            // The recorded boxes are the detector's widest face and its enlarged, clipped box.
            var first = VideoFrame(width: reader.width, height: reader.height)
            try reader.readFrame(0, into: &first)
            let face = detector.widestFace(GrayImage(frame: first, channelsAsBGR: true))
            let detection = meta.detections[0]
            #expect(detection.fallback == (face == nil) && meta.fallbackUsed == (face == nil))
            let crop = (face ?? FaceBox(x: 0, y: 0, width: 96, height: 72)).enlarged(by: 1.5).clipped(frameWidth: 96, frameHeight: 72)
            #expect(detection.cropBox == [crop.x, crop.y, crop.width, crop.height])
            #expect(detection.detectedBox == face.map { [$0.x, $0.y, $0.width, $0.height] })

            // The PNG is the first frame with the crop box's outline in red.
            let png = try PNGReader.read(dir.appendingPathComponent("data/\(name)_face.png"))
            #expect(png.width == 96 && png.height == 72)
            let corner = (crop.y * 96 + crop.x) * 3
            #expect(Array(png.rgb[corner..<(corner + 3)]) == [255, 0, 0])
            let inside = ((crop.y + crop.height / 2) * 96 + crop.x + crop.width / 2) * 3
            let detectedCovers = face.map { f in
                let cx = crop.x + crop.width / 2, cy = crop.y + crop.height / 2
                return cx == f.x || cx == f.x + f.width - 1 || cy == f.y || cy == f.y + f.height - 1
            } ?? false
            if !detectedCovers { #expect(Array(png.rgb[inside..<(inside + 3)]) == Array(first.rgb[inside..<(inside + 3)])) }
        }
    }
}
