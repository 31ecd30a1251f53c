import Testing
@testable import RPPG

/// `rppg synth --difficulty motion`: ballistic head movements with heavy-tailed amplitudes.
@Suite struct SyntheticMotionTests {
    @Test func burstsArePoissonTimedAndHeavyTailed() {
        let m = SyntheticMotionBursts(subjectSeed: 99, seconds: 3000)
        // About one every 5 s.
        #expect(m.bursts.count > 480 && m.bursts.count < 720, "\(m.bursts.count) bursts")
        let amplitudes = m.bursts.map { ($0.dx * $0.dx + $0.dy * $0.dy).squareRoot() }
        #expect(amplitudes.allSatisfy { $0 >= 1.5 - 1e-9 && $0 <= 14 + 1e-9 })
        // Pareto(1.5, 1.5 px): P(A > 6) = 4^-1.5 = 1/8; the median stays small.
        let large = Double(amplitudes.filter { $0 > 6 }.count) / Double(amplitudes.count)
        #expect(large > 0.08 && large < 0.17, "\(large)")
        #expect(amplitudes.sorted()[amplitudes.count / 2] < 2.6)
        // At rest before the first burst, moved in the middle of one's hold.
        let first = m.bursts[0]
        #expect(m.displacement(at: first.start * 0.5) == (0, 0))
        let mid = m.displacement(at: first.start + first.rise + first.hold / 2)
        #expect(abs(mid.dx) + abs(mid.dy) > 0)
    }

    @Test func sameSeedSameBursts() {
        let a = SyntheticMotionBursts(subjectSeed: 5, seconds: 60), b = SyntheticMotionBursts(subjectSeed: 5, seconds: 60)
        #expect(a.bursts.map(\.start) == b.bursts.map(\.start))
        #expect(a.bursts.map(\.start) != SyntheticMotionBursts(subjectSeed: 6, seconds: 60).bursts.map(\.start))
    }
}
