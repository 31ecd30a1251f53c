import Foundation
import RPPG
import Testing

@Suite struct SyntheticDatasetTests {
    @Test func sameSeedSameBytesOtherSeedOtherBytes() throws {
        let a = try VideoFixtures.temporaryFolder(), b = try VideoFixtures.temporaryFolder(), c = try VideoFixtures.temporaryFolder()
        defer { for d in [a, b, c] { try? FileManager.default.removeItem(at: d) } }
        var options = SyntheticDataset.Options(subjects: 2, seconds: 1, seed: 42, width: 64, height: 48)
        options.threads = 2
        _ = try SyntheticDataset.write(to: a, options: options)
        options.threads = 1
        _ = try SyntheticDataset.write(to: b, options: options)
        options.seed = 43
        _ = try SyntheticDataset.write(to: c, options: options)
        for f in ["subject1/vid.avi", "subject2/ground_truth.txt"] {
            let da = try Data(contentsOf: a.appendingPathComponent(f))
            #expect(da == (try Data(contentsOf: b.appendingPathComponent(f))), "\(f) differs between runs")
            #expect(da != (try Data(contentsOf: c.appendingPathComponent(f))), "\(f) ignores the seed")
        }
    }

    @Test func groundTruthMatchesTheVideoAndThePulse() throws {
        let dir = try VideoFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let written = try SyntheticDataset.write(to: dir, options: .init(subjects: 3, seconds: 8, seed: 7, width: 64, height: 48))
        let subjects = try UBFCDataset.subjects(in: dir)
        #expect(subjects.map(\.number) == [1, 2, 3])
        for (s, w) in zip(subjects, written) {
            let gt = try s.loadGroundTruth()
            let video = try AVIReader(url: s.video)
            #expect(video.frameCount == 240 && gt.ppg.count == 240 && gt.heartRate.count == 240 && gt.times.count == 240)
            #expect((45...150).contains(w.meanHeartRate))
            // The reference PPG's dominant rate is the subject's heart rate.
            #expect(abs(Chunking.dominantRate(gt.ppg, fps: 30) - w.meanHeartRate) < 4, "subject \(s.number)")
        }
    }

    @Test func pulseHasRealisticAmplitudeAndVariability() {
        for i in 0..<20 {
            let subject = SyntheticSubject(seed: 1, index: i)
            #expect((50...140).contains(subject.heartRate))
            #expect((0.004...0.01).contains(subject.pulseAmplitude))
            let pulse = SyntheticPulse(subject: subject, frames: 600, fps: 30)
            let hr = pulse.heartRate
            #expect(hr.max()! - hr.min()! > 0.5, "heart rate varies beat to beat")
            let mean = pulse.waveform.reduce(0, +) / 600
            #expect(abs(mean) < 0.1)
        }
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: HaarCascade.defaultPath)))
    func theHaarDetectorFindsTheSyntheticFace() throws {
        let detector = HaarDetector(cascade: try HaarCascade.load())
        var found = 0
        for i in 0..<4 {
            let subject = SyntheticSubject(seed: 5, index: i)
            let renderer = SyntheticFaceRenderer(subject: subject, width: 96, height: 72)
            var frame = VideoFrame(width: 96, height: 72)
            var noise = SeededGenerator(seed: 1)
            renderer.render(frame: &frame, index: 0, fps: 30, pulse: 0, noise: &noise)
            if let box = detector.widestFace(GrayImage(frame: frame)) {
                found += 1
                #expect(abs(box.x + box.width / 2 - 48) < 12 && box.width > 25, "box \(box) should be around the centred face")
            }
        }
        #expect(found == 4)
    }
}
