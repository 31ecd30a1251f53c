import Testing
import TensorCore
import Quantization

@Suite struct QuantizationMathTests {
    @Test func asymmetricInt8MatchesHandComputation() {
        // scale = 4/255, zp = round(-128 + 1/(4/255)) = round(-64.25) = -64.
        let p = QuantizationMath.parameters(rmin: -1, rmax: 3, range: .of(.int8), symmetric: false)
        #expect(p.scale == Float(4.0 / 255.0))
        #expect(p.zeroPoint == -64)
    }

    @Test func rangeIsWidenedToIncludeZero() {
        let p = QuantizationMath.parameters(rmin: 2, rmax: 6, range: .of(.int8), symmetric: false)
        #expect(p.scale == Float(6.0 / 255.0))
        #expect(p.zeroPoint == -128)
        let n = QuantizationMath.parameters(rmin: -6, rmax: -2, range: .of(.uint8), symmetric: false)
        #expect(n.scale == Float(6.0 / 255.0))
        #expect(n.zeroPoint == 255)
    }

    @Test func symmetricWeightsUseMinus127To127() {
        #expect(QuantRange.of(.int8, symmetric: true) == QuantRange(qmin: -127, qmax: 127))
        let p = QuantizationMath.parameters(rmin: -0.5, rmax: 1.27, range: .of(.int8, symmetric: true), symmetric: true)
        #expect(p.scale == Float(2.54 / 254.0))
        #expect(p.zeroPoint == 0)
        // uint8 symmetric: zero point round(255/2) = 128 (half to even).
        let u = QuantizationMath.parameters(rmin: -1, rmax: 1, range: .of(.uint8), symmetric: true)
        #expect(u.zeroPoint == 128)
    }

    @Test func zeroPointRoundsHalfToEven() {
        // dr = 255 → scale 1; zp = -128 - (-0.5) = -127.5 → -128; -128 + 1.5 = -126.5 → -126.
        #expect(QuantizationMath.parameters(rmin: -0.5, rmax: 254.5, range: .of(.int8), symmetric: false).zeroPoint == -128)
        #expect(QuantizationMath.parameters(rmin: -1.5, rmax: 253.5, range: .of(.int8), symmetric: false).zeroPoint == -126)
    }

    @Test func allZeroRangeGivesScaleOne() {
        let p = QuantizationMath.parameters(rmin: 0, rmax: 0, range: .of(.int8), symmetric: false)
        #expect(p == QuantParameters(scale: 1, zeroPoint: 0))
    }

    @Test func quantizeDividesInFloat32AndRoundsHalfToEven() {
        let p = QuantParameters(scale: 1, zeroPoint: 0)
        let r = QuantRange.of(.int8)
        #expect(QuantizationMath.quantize(2.5, p, r) == 2)
        #expect(QuantizationMath.quantize(3.5, p, r) == 4)
        #expect(QuantizationMath.quantize(-2.5, p, r) == -2)
        #expect(QuantizationMath.quantize(1000, p, r) == 127)
        #expect(QuantizationMath.quantize(-1000, p, r) == -128)
        // 0.3 / 0.1 in float32 is 2.9999998 → 3; with zero point 10 → 13.
        #expect(QuantizationMath.quantize(0.3, QuantParameters(scale: 0.1, zeroPoint: 10), r) == 13)
        #expect(QuantizationMath.dequantize(13, QuantParameters(scale: 0.5, zeroPoint: 10)) == 1.5)
    }

    @Test func quantizeLinearKernelPerAxis() {
        let x = Tensor(shape: [1, 2, 2], scalars: [1, 2, 3, 4] as [Float])
        let q = QuantizeLinearKernels.quantize(x, scale: Tensor(shape: [2], scalars: [1, 0.5] as [Float]),
                                               zeroPoint: Tensor(shape: [2], scalars: [0, 1] as [Int8]), axis: 1)
        #expect(q.scalars(as: Int8.self) == [1, 2, 7, 9])
        let back = QuantizeLinearKernels.dequantize(q, scale: Tensor(shape: [2], scalars: [1, 0.5] as [Float]),
                                                    zeroPoint: Tensor(shape: [2], scalars: [0, 1] as [Int8]), axis: 1)
        #expect(back.scalars(as: Float.self) == [1, 2, 3, 4])
    }
}
