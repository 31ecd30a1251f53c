import Foundation
import Testing
@testable import RPPG

/// `rppg synth --difficulty`: blocking, non-rigid motion, dark skin and a second face (issue 17,
/// item 5). Each effect must be present where it should be and absent elsewhere.
@Suite struct SyntheticDifficultyTests {
    static func frame(_ subject: SyntheticSubject, width: Int = 160, height: Int = 120, index: Int = 0,
                      talking: SyntheticTalking? = nil, second: SyntheticSubject? = nil) -> VideoFrame {
        let r = SyntheticFaceRenderer(subject: subject, width: width, height: height, talking: talking, secondFace: second)
        var f = VideoFrame(width: width, height: height)
        var noise = SeededGenerator(seed: 3)
        r.render(frame: &f, index: index, fps: 30, pulse: 0, noise: &noise)
        return f
    }

    @Test func theListParsesAndUnknownNamesAreRefused() throws {
        #expect(try SyntheticDifficulty.parseList("motion, blocking") == [.motion, .blocking])
        #expect(try SyntheticDifficulty.parseList("standard").isEmpty)
        #expect(try SyntheticDifficulty.parseList("dark-skin,second-face,nonrigid") == [.darkSkin, .secondFace, .nonrigid])
        #expect { try SyntheticDifficulty.parseList("motion,fog") } throws: {
            "\($0)".contains("'fog'") && "\($0)".contains("second-face")
        }
        #expect(throws: SyntheticDifficultyError.self) { try SyntheticDifficulty.parseList(",") }
    }

    /// Block edges: the mean step across 8-pixel block boundaries against the mean step inside
    /// blocks, on the green channel.
    static func blockiness(_ f: VideoFrame) -> Double {
        var across = 0.0, inside = 0.0, na = 0, ni = 0
        for y in 0..<f.height {
            for x in 1..<f.width {
                let d = abs(Double(f.rgb[(y * f.width + x) * 3 + 1]) - Double(f.rgb[(y * f.width + x - 1) * 3 + 1]))
                if x % 8 == 0 { across += d; na += 1 } else { inside += d; ni += 1 }
            }
        }
        return (across / Double(na)) / (inside / Double(ni))
    }

    @Test func blockingQuantisesEveryBlockAndLeavesFlatAreasFlat() {
        let clean = Self.frame(SyntheticSubject(seed: 1, index: 0))
        var blocked = clean
        CompressionBlocking(quality: 60).apply(to: &blocked)
        #expect(Self.blockiness(clean) < 1.2, "\(Self.blockiness(clean))")
        #expect(Self.blockiness(blocked) > 1.5, "\(Self.blockiness(blocked))")
        // Quantisation removes detail: sensor noise inside blocks falls.
        #expect(zip(clean.rgb, blocked.rgb).contains { $0 != $1 })
        // A flat grey frame survives (its DC step is a few levels, so it rounds back).
        var flat = VideoFrame(width: 20, height: 12)
        for i in flat.rgb.indices { flat.rgb[i] = 100 }
        CompressionBlocking(quality: 60).apply(to: &flat)
        #expect(flat.rgb.allSatisfy { abs(Int($0) - 100) <= 1 })
        // At quality 100 every step is 1: the round trip is within a level or two.
        var fine = clean
        CompressionBlocking(quality: 100).apply(to: &fine)
        #expect(zip(clean.rgb, fine.rgb).allSatisfy { abs(Int($0) - Int($1)) <= 2 })
    }

    @Test func talkingWarpsTheJawAndBrowsOnly() throws {
        let subject = SyntheticSubject(seed: 2, index: 1)
        let talking = SyntheticTalking(subjectSeed: subject.seed, seconds: 60)
        #expect(!talking.segments.isEmpty)
        // Silent before the first burst; inside one the jaw moves at the syllable rate.
        #expect(talking.displacement(at: max(0, talking.segments[0].start - 0.5)) == (0, 0))
        let times = stride(from: 0.0, to: 60, by: 1 / 30.0)
        let jaw = times.map { talking.displacement(at: $0).jaw }
        #expect(jaw.allSatisfy { $0 >= 0 && $0 <= talking.jawAmplitude + 1e-9 })
        let peak = try #require(jaw.indices.max { jaw[$0] < jaw[$1] })
        #expect(jaw[peak] > 0.8 * talking.jawAmplitude)

        // Same frame with and without talking (same noise): the face's middle is untouched, the
        // chin moves.
        // (A silent twin keeps the template margin, hence the texture, the same.)
        var silent = talking
        silent.jawAmplitude = 0
        silent.browAmplitude = 0
        let still = Self.frame(subject, index: peak, talking: silent), moving = Self.frame(subject, index: peak, talking: talking)
        let renderer = SyntheticFaceRenderer(subject: subject, width: 160, height: 120, talking: talking)
        let f = renderer.mainGeometry
        let m = Double(renderer.margin)
        func change(rows: ClosedRange<Double>) -> Double {
            var s = 0.0
            for y in Int(rows.lowerBound)...Int(rows.upperBound) {
                for x in Int(f.cx - m - 0.5 * f.a)...Int(f.cx - m + 0.5 * f.a) {
                    let o = (y * 160 + x) * 3 + 1
                    s += abs(Double(still.rgb[o]) - Double(moving.rgb[o]))
                }
            }
            return s
        }
        let middle = change(rows: (f.cy - m - 0.05 * f.b)...(f.cy - m + 0.05 * f.b))
        let chin = change(rows: (f.cy - m + 0.5 * f.b)...(min(119, f.cy - m + 1.05 * f.b)))
        #expect(middle == 0, "the cheeks moved by \(middle)")
        #expect(chin > 50, "the chin moved by \(chin) only")
    }

    @Test func darkSkinKeepsEveryOtherParameter() {
        for i in 0..<12 {
            let a = SyntheticSubject(seed: 9, index: i), b = SyntheticSubject(seed: 9, index: i, darkSkin: true)
            #expect(a.heartRate == b.heartRate && a.background == b.background && a.noise == b.noise)
            #expect(abs(b.pulseAmplitude - 0.6 * a.pulseAmplitude) < 1e-12)
            // Between the two darkest tones.
            let darkest = SyntheticSubject.tones[SyntheticSubject.tones.count - 1], next = SyntheticSubject.tones[SyntheticSubject.tones.count - 2]
            #expect(b.skin.1 >= darkest.1 - 1e-9 && b.skin.1 <= next.1 + 1e-9, "\(b.skin)")
        }
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: HaarCascade.defaultPath)))
    func theSecondFaceIsFoundAndTheWidestIsTheSubjects() throws {
        let detector = HaarDetector(cascade: try HaarCascade.load())
        for i in 0..<4 {
            let subject = SyntheticSubject(seed: 21, index: i)
            let second = SyntheticDataset.secondFace(of: subject, seed: 21, index: i)
            #expect(abs(second.heartRate - subject.heartRate) >= 25)
            let frame = Self.frame(subject, second: second)
            let image = GrayImage(frame: frame)
            let faces = detector.detect(image)
            #expect(faces.count >= 2, "subject \(i): \(faces)")
            // The crop rule (the widest box) keeps the subject's face, centred in the frame.
            let widest = try #require(detector.widestFace(image))
            #expect(abs(widest.x + widest.width / 2 - 80) < 15, "subject \(i): \(widest)")
            #expect(faces.contains { $0.x + $0.width / 2 < 50 && $0.width < widest.width }, "subject \(i): \(faces)")
        }
    }

    @Test func theStandardDifficultyIsUnchangedByTheOtherEffects() throws {
        // Options that name no effect render as before; the legacy single-difficulty setter maps.
        var o = SyntheticDataset.Options(subjects: 1, seconds: 1)
        o.difficulty = .motion
        #expect(o.difficulties == [.motion] && o.difficulty == .motion)
        o.difficulties = [.motion, .blocking]
        #expect(o.difficulty == .standard)
        o.difficulty = .standard
        #expect(o.difficulties.isEmpty)
    }
}
