import Foundation
import RPPG
import Testing

@Suite struct DetrendTests {
    @Test func bandedSolverMatchesDenseInverse() throws {
        let fixture = try SignalFixtures.load("detrend.json")
        let cases = try fixture.objects("cases")
        let lambdas = try fixture.doubles("lambdas")
        for (c, lambda) in zip(cases, lambdas) {
            let x = try c.doubles("x")
            let expected = try c.doubles("expected")
            let got = SmoothnessPriorsDetrend.apply(x, lambda: lambda)
            #expect(got.count == x.count)
            #expect(maxRelativeError(got, expected) < 1e-9, "n=\(x.count) λ=\(lambda)")
        }
    }

    @Test func removesLinearTrendExactly() {
        // A straight line lies in the null space of D₂: the trend is the line itself.
        let line = (0..<1000).map { 3.0 + 0.25 * Double($0) }
        let residual = SmoothnessPriorsDetrend.apply(line)
        #expect(residual.map { abs($0) }.max()! < 1e-6)
    }

    @Test func shortSignalsDetrendToZero() {
        #expect(SmoothnessPriorsDetrend.apply([1.5, -2]) == [0, 0])
        #expect(SmoothnessPriorsDetrend.apply([]) == [])
    }
}
