import Foundation
import RPPG
import Testing

@Suite struct FilterTests {
    @Test func butterworthLfilterZiAndFiltfiltMatchScipy() throws {
        let fixture = try SignalFixtures.load("butter_filtfilt.json")
        let x = try fixture.doubles("x")
        for d in try fixture.objects("designs") {
            let order = Int(try d.double("order"))
            let filter = try Butterworth.bandPass(order: order, low: try d.double("low"), high: try d.double("high"), fs: try d.double("fs"))
            let b = try d.doubles("b"), a = try d.doubles("a")
            #expect(filter.b.count == 2 * order + 1 && filter.a.count == 2 * order + 1)
            #expect(maxRelativeError(filter.b, b) < 1e-9, "b, order \(order)")
            #expect(maxRelativeError(filter.a, a) < 1e-9, "a, order \(order)")
            let zi = ZeroPhaseFilter.steadyStateInitialConditions(filter)
            #expect(maxRelativeError(zi, try d.doubles("zi")) < 1e-8, "zi, order \(order)")
            let y = try ZeroPhaseFilter.filtfilt(filter, x)
            #expect(maxRelativeError(y, try d.doubles("filtfilt")) < 1e-6, "filtfilt, order \(order)")
        }
    }

    @Test func filtfiltRejectsSignalsNotLongerThanPadding() throws {
        let filter = try Butterworth.bandPass(order: 1, low: 0.75, high: 2.5, fs: 30)
        #expect(ZeroPhaseFilter.defaultPadLength(filter) == 9)
        #expect(throws: SignalError.self) { try ZeroPhaseFilter.filtfilt(filter, [Double](repeating: 1, count: 9)) }
        #expect(try ZeroPhaseFilter.filtfilt(filter, [Double](repeating: 1, count: 10)).count == 10)
    }

    @Test func invalidBandIsAnError() {
        #expect(throws: SignalError.self) { try Butterworth.bandPass(order: 1, low: 2.5, high: 0.75, fs: 30) }
        #expect(throws: SignalError.self) { try Butterworth.bandPass(order: 1, low: 0.75, high: 16, fs: 30) }
        #expect(throws: SignalError.self) { try Butterworth.bandPass(order: 0, low: 0.75, high: 2.5, fs: 30) }
    }
}
