import Foundation
import Testing
import NN
import TensorCore
@testable import Quantization

/// The vectorised paths of calibration and the report against their scalar definitions.
@Suite struct FastPathTests {
    static func awkwardValues() -> [Float] {
        var v: [Float] = [0, -0, 0.5, -0.5, 1.5, -1.5, 2.5, -2.5, 8_388_607.5, -8_388_607.5, 8_388_608, 16_777_215,
                          4_194_304.5, .greatestFiniteMagnitude, -.greatestFiniteMagnitude, .infinity, -.infinity,
                          .nan, .leastNonzeroMagnitude, -.leastNonzeroMagnitude, 0.49999997, -0.49999997]
        var rng = SplitMix(seed: 7)
        for _ in 0..<1000 { v.append(Float(bitPattern: UInt32(truncatingIfNeeded: rng.next()))) }
        for _ in 0..<1000 { v.append(Float(rng.next() % 20_000) / 64 - 150) }
        return v
    }

    @Test func rintTrickIsRoundHalfToEvenBitForBit() {
        for v in Self.awkwardValues() {
            let want = v.rounded(.toNearestOrEven), got = FakeQuantGrid.rint(v)
            #expect(want.isNaN ? got.isNaN : want.bitPattern == got.bitPattern, "\(v): \(got) vs \(want)")
        }
    }

    @Test func fakeQuantGridEqualsQuantizationMath() {
        let cases: [(QuantParameters, QuantRange)] = [
            (QuantParameters(scale: 0.0173, zeroPoint: -3), QuantRange.of(.int8)),
            (QuantParameters(scale: 0.5, zeroPoint: 128), QuantRange.of(.uint8)),
            (QuantParameters(scale: 1e-6, zeroPoint: 0), QuantRange.of(.int8, symmetric: true)),
            (QuantParameters(scale: 3, zeroPoint: 7), QuantRange.of(.int16)),
        ]
        for (p, r) in cases {
            let grid = FakeQuantGrid(p, r)!
            for v in Self.awkwardValues() {
                #expect(grid.apply(v).bitPattern == QuantizationMath.fakeQuantize(v, p, r).bitPattern, "\(v) \(p)")
            }
        }
        #expect(FakeQuantGrid(QuantParameters(scale: 1, zeroPoint: 0), QuantRange.of(.int32)) == nil)
    }

    @Test func simdMinMaxEqualsScalarLoop() {
        let values = Self.awkwardValues().filter { !$0.isInfinite } + [3, -7, .nan]
        for length in [0, 1, 15, 16, 17, 100, values.count] {
            let slice = Array(values.prefix(length))
            var o = MinMaxObserver()
            slice.withUnsafeBufferPointer { o.observe($0) }
            let finite = slice.filter { !$0.isNaN }
            #expect(o.count == finite.count)
            if let lo = finite.min(), let hi = finite.max() {
                #expect(o.min == lo && o.max == hi)
                #expect(o.absMin == finite.map(abs).min()! && o.absMax == finite.map(abs).max()!)
            } else {
                #expect(!o.hasData)
            }
        }
    }

    @Test func reportRoundingMatchesTheScalarDefinition() {
        let values = (0..<1037).map { Float($0 % 311) * 0.037 - 4 } + [.nan, 100, -100]
        let p = QuantParameters(scale: 0.021, zeroPoint: 5), r = QuantRange.of(.int8)
        var noise = 0.0, clipped = 0
        for f in values {
            let q = QuantizationMath.quantize(f, p, r)
            let back = QuantizationMath.dequantize(q, p)
            if (q == r.qmin || q == r.qmax) && abs(f - back) > p.scale / 2 { clipped += 1 }
            noise += (Double(f) - Double(back)) * (Double(f) - Double(back))
        }
        let finite = Array(values.dropLast(3)) + [100, -100]
        let got = values.withUnsafeBufferPointer { ReportSums.rounding($0, p, r) }
        #expect(got.clipped == clipped)
        #expect(got.noise.isNaN && noise.isNaN)
        let gotFinite = finite.withUnsafeBufferPointer { ReportSums.rounding($0, p, r) }
        var want = 0.0
        for f in finite { let d = Double(f) - Double(QuantizationMath.fakeQuantize(f, p, r)); want += d * d }
        #expect(abs(gotFinite.noise - want) <= 1e-12 * want)
        // The same differences through signalNoise give the same bits (the input layer's rule).
        let fq = finite.map { QuantizationMath.fakeQuantize($0, p, r) }
        let sn = finite.withUnsafeBufferPointer { a in fq.withUnsafeBufferPointer { b in ReportSums.signalNoise(a, b) } }
        #expect(sn.noise == gotFinite.noise)
    }

    @Test func fakeQuantizeKernelEqualsQuantizeThenDequantize() {
        let x = Tensor(shape: [2, 3, 5], scalars: (0..<30).map { Float($0) * 0.31 - 4.4 })
        let perTensor = (Tensor(scalar: Float(0.05)), Tensor(scalar: Int8(-2)), 1)
        let perAxis = (Tensor(shape: [3], scalars: [0.05, 0.1, 0.2] as [Float]), Tensor(shape: [3], scalars: [0, 1, -1] as [Int8]), 1)
        for (s, zp, axis) in [perTensor, perAxis] {
            let q = QuantizeLinearKernels.quantize(x, scale: s, zeroPoint: zp, axis: axis)
            let twoStep = QuantizeLinearKernels.dequantize(q, scale: s, zeroPoint: zp, axis: axis)
            let oneStep = QuantizeLinearKernels.fakeQuantize(x, scale: s, zeroPoint: zp, axis: axis)
            #expect(twoStep == oneStep)
        }
    }

    @Test func calibrationAndReportDoNotDependOnThreadCount() throws {
        let g = QDQInsertionTests.graph()
        var clips: [Tensor] = []
        for k in 0..<7 {
            var v: [Float] = []
            for i in 0..<4 { v.append(Float((i * 5 + k * 3) % 11) * 0.4 - 2) }
            clips.append(Tensor(shape: [1, 1, 2, 2], scalars: v))
        }
        var results: [QuantizationResult] = []
        for threads in [1, 2, 3, 8] {
            var o = QuantizationOptions()
            o.threads = threads
            results.append(try QDQQuantizer.quantize(g, calibration: clips, options: o, runner: TinyFloatRunner.factory,
                                                     reportClipLimit: nil))
        }
        for r in results.dropFirst() {
            #expect(r.ranges == results[0].ranges)
            #expect(r.graph.initializers == results[0].graph.initializers)
            #expect(r.layerReport == results[0].layerReport)
        }
        for method in [CalibrationMethod.percentile, .entropy] {
            var one = QuantizationOptions(method: method), many = QuantizationOptions(method: method)
            one.threads = 1
            many.threads = 4
            let a = try Calibrator.ranges(g, clipCount: clips.count, clip: { clips[$0] }, options: one, runner: TinyFloatRunner.factory)
            let b = try Calibrator.ranges(g, clipCount: clips.count, clip: { clips[$0] }, options: many, runner: TinyFloatRunner.factory)
            #expect(a == b)
        }
    }

    @Test func theFirstBadClipIsReportedWhateverTheThreads() {
        let g = QDQInsertionTests.graph()
        let good = Tensor(shape: [1, 1, 2, 2], scalars: [0, 1, 2, 3] as [Float])
        let bad = Tensor(shape: [1, 1, 2, 2], scalars: [0, .nan, 2, 3] as [Float])
        var o = QuantizationOptions()
        o.threads = 4
        do {
            _ = try Calibrator.ranges(g, clipCount: 8, clip: { [2, 6].contains($0) ? bad : good }, options: o,
                                      runner: TinyFloatRunner.factory)
            Issue.record("expected an error")
        } catch let QuantizationError.badCalibrationClip(index, _) {
            #expect(index == 2)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}

/// SplitMix64, for reproducible test data.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
