import Foundation
import RPPG
import Testing

@Suite struct PreprocessPipelineTests {
    @Test func cropsResizesAndChunksASyntheticVideo() throws {
        let dir = try VideoFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let written = try SyntheticDataset.write(to: dir, options: .init(subjects: 1, seconds: 4.5, seed: 9, width: 96, height: 72))
        let subject = try UBFCDataset.subjects(in: dir)[0]
        let reader = try AVIReader(url: subject.video)
        let detector: HaarDetector? = FileManager.default.fileExists(atPath: HaarCascade.defaultPath)
            ? HaarDetector(cascade: try HaarCascade.load()) : nil
        var done = 0
        var video = try FaceCrop.process(reader, detector: detector, options: FaceCropOptions(size: 36)) { done = $0 }
        #expect(done == 135 && video.frameCount == 135 && video.frames.count == 135 * 36 * 36 * 3)
        #expect(video.boxes.count == 1)
        if detector != nil { #expect(video.fallbacks == 0 && video.boxes[0].width < 96) }
        #expect(video.frames.allSatisfy { $0 >= 0 && $0 <= 255 && $0 == $0.rounded() })
        InputTransform.apply(.diffNormalized, frames: &video.frames, frameCount: 135)
        let gt = try subject.loadGroundTruth()
        let labels = InputTransform.label(.diffNormalized, gt.ppg)
        let chunks = Chunking.chunks(subject: subject.number, frames: video.frames, frameCount: 135, size: 36, labels: labels,
                                     heartRate: gt.heartRate, rawPPG: gt.ppg, fps: 30, length: 64)
        #expect(chunks.count == 2 && chunks.clips.count == 2 * 3 * 64 * 36 * 36)
        #expect(abs(Double(chunks.hr[0]) - written[0].meanHeartRate) < 8)
    }

    @Test func redetectionEveryNFramesRecordsEachBox() throws {
        let dir = try VideoFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try SyntheticDataset.write(to: dir, options: .init(subjects: 1, seconds: 1, seed: 2, width: 64, height: 48))
        let reader = try AVIReader(url: try UBFCDataset.subjects(in: dir)[0].video)
        var options = FaceCropOptions(size: 36)
        options.redetectEvery = 10
        let video = try FaceCrop.process(reader, detector: nil, options: options)
        #expect(video.boxes.count == 3)
        #expect(video.fallbacks == 3, "no detector: the whole frame each time")
        #expect(video.boxes.allSatisfy { $0 == FaceBox(x: 0, y: 0, width: 64, height: 48) })
    }
}
