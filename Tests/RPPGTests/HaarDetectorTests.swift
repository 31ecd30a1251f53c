import Foundation
import RPPG
import Testing

@Suite struct HaarDetectorTests {
    static let cascadeAvailable = FileManager.default.fileExists(atPath: HaarCascade.defaultPath)

    @Test(.enabled(if: cascadeAvailable, "needs opencv-data's haarcascade_frontalface_default.xml"))
    func loadsOpenCVsFrontalFaceCascade() throws {
        let cascade = try HaarCascade.load()
        #expect(cascade.windowWidth == 24 && cascade.windowHeight == 24)
        #expect(cascade.stages.count == 25)
        #expect(cascade.stages[0].stumps.count == 9)
        #expect(cascade.features.count == 2913)
        #expect(abs(cascade.stages[0].threshold - (-5.0425500869750977 - 1e-5)) < 1e-6)
    }

    @Test(.enabled(if: cascadeAvailable, "needs opencv-data's haarcascade_frontalface_default.xml"))
    func findsTheSameBoxesAsOpenCV() throws {
        let detector = HaarDetector(cascade: try HaarCascade.load())
        let meta = try VideoFixtures.meta()
        let cases = meta["haar"] as! [[String: Any]]
        for c in cases {
            let name = c["name"] as! String
            let w = c["width"] as! Int, h = c["height"] as! Int
            let expected = (c["boxes"] as! [[Int]]).map { FaceBox(x: $0[0], y: $0[1], width: $0[2], height: $0[3]) }
            let image = GrayImage(width: w, height: h, pixels: try VideoFixtures.bytes("haar_\(name).gray"))
            let found = detector.detect(image)
            #expect(found.count == expected.count, "\(name): OpenCV \(expected), Swift \(found)")
            for e in expected {
                let best = found.map { $0.iou(e) }.max() ?? 0
                #expect(best >= 0.9, "\(name): OpenCV box \(e), Swift \(found), IoU \(best)")
            }
        }
    }

    @Test func rejectsBrokenCascadeFiles() throws {
        #expect(throws: FaceDetectionError.self) { _ = try HaarCascade.load(path: "/nonexistent/cascade.xml") }
        let truncated = Array("<?xml version=\"1.0\"?><opencv_storage><cascade><stageType>BOOST</stageType>".utf8)
        #expect(throws: FaceDetectionError.self) { _ = try HaarCascade.parse(xml: truncated, path: "t.xml") }
        let wrongType = Array("<opencv_storage><cascade><stageType>BOOST</stageType><featureType>LBP</featureType></cascade></opencv_storage>".utf8)
        #expect(throws: FaceDetectionError.self) { _ = try HaarCascade.parse(xml: wrongType, path: "lbp.xml") }
    }

    @Test func enlargesBoxesLikeRPPGToolbox() {
        // x' = max(0, x - 0.25 w), w' = 1.5 w, truncated to integers.
        #expect(FaceBox(x: 43, y: 26, width: 74, height: 74).enlarged() == FaceBox(x: 24, y: 7, width: 111, height: 111))
        #expect(FaceBox(x: 5, y: 2, width: 40, height: 30).enlarged() == FaceBox(x: 0, y: 0, width: 60, height: 45))
        #expect(FaceBox(x: 100, y: 80, width: 60, height: 60).enlarged().clipped(frameWidth: 160, frameHeight: 120)
            == FaceBox(x: 85, y: 65, width: 75, height: 55))
    }
}
