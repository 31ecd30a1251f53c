import Foundation
import RPPG
import Testing

@Suite struct PreprocessResizeTests {
    @Test func areaResizeMatchesOpenCVInterArea() throws {
        let src = try VideoFixtures.bytes("area_src_160x150.rgb")
        let frame = VideoFrame(width: 160, height: 150, rgb: src)
        let cases = (try VideoFixtures.meta())["area"] as! [[Int]]
        for c in cases {
            let (x, y, w, h, d) = (c[0], c[1], c[2], c[3], c[4])
            let expected = try VideoFixtures.bytes("area_\(x)_\(y)_\(w)x\(h)_to\(d).rgb")
            var out = [Float](repeating: -1, count: d * d * 3)
            out.withUnsafeMutableBufferPointer { AreaResize.resize(frame, box: FaceBox(x: x, y: y, width: w, height: h), width: d, height: d, into: $0) }
            let mismatches = zip(out, expected).filter { $0.0 != Float($0.1) }.count
            #expect(mismatches == 0, "crop \(c): \(mismatches) of \(out.count) values differ from cv2.resize(INTER_AREA)")
        }
    }

    @Test func grayConversionMatchesCvtColor() throws {
        let rgb = try VideoFixtures.bytes("resize_src_53x37.rgb")
        let expected = try VideoFixtures.bytes("gray_53x37.gray")
        // The fixture is RGB; OpenCV converted its BGR version, so channels are not swapped here.
        let gray = GrayImage(frame: VideoFrame(width: 53, height: 37, rgb: rgb), channelsAsBGR: false)
        #expect(gray.pixels == expected)
    }

    @Test func linearResizeMatchesOpenCVWithinOneLevel() throws {
        let gray = GrayImage(width: 53, height: 37, pixels: try VideoFixtures.bytes("gray_53x37.gray"))
        for c in (try VideoFixtures.meta())["linear"] as! [[Int]] {
            let expected = try VideoFixtures.bytes("linear_\(c[0])x\(c[1]).gray")
            let out = gray.resizedLinear(width: c[0], height: c[1]).pixels
            let maxDiff = zip(out, expected).map { abs(Int($0.0) - Int($0.1)) }.max() ?? 0
            let exact = zip(out, expected).filter { $0.0 == $0.1 }.count
            // OpenCV's vector and scalar tails round differently by one level; the detector's
            // box agreement is tested separately.
            #expect(maxDiff <= 1, "\(c): max difference \(maxDiff)")
            #expect(Double(exact) / Double(out.count) > 0.97, "\(c): only \(exact) of \(out.count) exact")
        }
    }
}
