import Kernels
import NN
import Testing
import TensorCore
@testable import Quantization

/// The int8 executor's FP32 fallbacks against plain definitions.
@Suite("Int8 float fallbacks")
struct Int8FloatFallbackTests {
    struct Case: CustomStringConvertible, Sendable {
        var input: [Int]            // N, C, spatial…
        var outChannels: Int
        var attributes: ConvTransposeAttributes
        var description: String { "\(input) → \(outChannels) \(attributes.conv.kernel) s\(attributes.conv.stride)" }
    }

    static let cases: [Case] = [
        // PhysNet's upsampling: ConvTranspose3d(k [4,1,1], stride [2,1,1], pad [1,0,0]).
        Case(input: [1, 6, 5, 3, 2], outChannels: 4,
             attributes: ConvTransposeAttributes(conv: ConvAttributes(kernel: [4, 1, 1], stride: [2, 1, 1],
                                                                      padsBegin: [1, 0, 0], padsEnd: [1, 0, 0]))),
        Case(input: [2, 4, 5, 6], outChannels: 6,
             attributes: ConvTransposeAttributes(conv: ConvAttributes(kernel: [3, 2], stride: [2, 3], padsBegin: [1, 0],
                                                                      padsEnd: [0, 1], dilation: [2, 1], groups: 2),
                                                 outputPadding: [1, 0])),
    ]

    @Test(arguments: cases)
    func convTransposeMatchesScatterDefinition(_ c: Case) {
        let t = c.attributes, r = t.conv.spatialRank, g = t.conv.groups
        let (n, cin, cout) = (c.input[0], c.input[1], c.outChannels)
        let ins = Array(c.input[2...])
        let outs = Int8FloatFallback.convTransposeOutput(t, input: ins)
        let kvol = t.conv.kernel.reduce(1, *)
        var seed: UInt64 = 99
        func next() -> Float {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int(seed >> 40) % 2001 - 1000) / 1000
        }
        let x = (0..<(c.input.reduce(1, *))).map { _ in next() }
        let w = (0..<(cin * cout / g * kvol)).map { _ in next() }
        let bias = (0..<cout).map { _ in next() }
        let outShape = [n, cout] + outs
        var y = [Float](repeating: .nan, count: outShape.reduce(1, *))
        var columns = [Float](repeating: 0, count: Int8FloatFallback.convTransposeScratch(t, inShape: c.input, outChannels: cout))
        x.withUnsafeBufferPointer { xp in
            Int8FloatFallback.convTranspose(t, inShape: c.input, outShape: outShape, x: xp.baseAddress!, w: w, bias: bias,
                                            y: &y, columns: &columns)
        }
        // Scatter definition in Double: every input tap adds w·x at i·stride − pad + k·dilation.
        let inPositions = ins.reduce(1, *), outPositions = outs.reduce(1, *)
        var expected = [Double](repeating: 0, count: y.count)
        for b in 0..<n { for co in 0..<cout { for p in 0..<outPositions { expected[(b * cout + co) * outPositions + p] = Double(bias[co]) } } }
        func coordinates(_ flat: Int, _ sizes: [Int]) -> [Int] {
            var v = flat, out = [Int](repeating: 0, count: sizes.count)
            for a in stride(from: sizes.count - 1, through: 0, by: -1) { out[a] = v % sizes[a]; v /= sizes[a] }
            return out
        }
        for b in 0..<n { for ci in 0..<cin { for j in 0..<(cout / g) { for tap in 0..<kvol { for p in 0..<inPositions {
            let co = ci / (cin / g) * (cout / g) + j
            let kc = coordinates(tap, t.conv.kernel), ic = coordinates(p, ins)
            var flat = 0, inside = true
            for a in 0..<r {
                let o = ic[a] * t.conv.stride[a] - t.conv.padsBegin[a] + kc[a] * t.conv.dilation[a]
                if o < 0 || o >= outs[a] { inside = false }
                flat = flat * outs[a] + o
            }
            guard inside else { continue }
            expected[(b * cout + co) * outPositions + flat] +=
                Double(w[(ci * (cout / g) + j) * kvol + tap]) * Double(x[(b * cin + ci) * inPositions + p])
        } } } } }
        let worst = zip(y, expected).map { abs(Double($0) - $1) }.max() ?? 0
        #expect(worst < 1e-4, "\(c): max error \(worst)")
    }

    @Test func sliceGathersTheONNXSelection() {
        // [2, 5, 7, 4]: axis 1 from 1 step 2, axis −2 (=2) from −2 down to 1 step −2, axis 3 clamped end.
        let shape = [2, 5, 7, 4]
        let (starts, ends, axes, steps) = ([1, -2, 1], [5, 1, 99], [1, -2, 3], [2, -2, 1])
        let out = Int8Slice.shape(input: shape, starts: starts, ends: ends, axes: axes, steps: steps)
        #expect(out == [2, 2, 2, 3])
        let x = (0..<shape.reduce(1, *)).map { Int8(truncatingIfNeeded: $0 * 7) }
        var y = [Int8](repeating: 0, count: out.reduce(1, *))
        let (offset, strides) = Int8Slice.layout(input: shape, output: out, starts: starts, axes: axes, steps: steps)
        x.withUnsafeBufferPointer { Int8Slice.gather($0.baseAddress!, offset: offset, strides: strides, shape: out, into: &y) }
        var expected: [Int8] = []
        for n in 0..<2 { for c in stride(from: 1, to: 5, by: 2) { for h in stride(from: 5, to: 1, by: -2) { for w in 1..<4 {
            expected.append(x[((n * 5 + c) * 7 + h) * 4 + w])
        } } } }
        #expect(y == expected)
        // The float fallback uses the same gather.
        let xf = x.map { Float($0) }
        var yf = [Float](repeating: 0, count: y.count)
        xf.withUnsafeBufferPointer { Int8Slice.gather($0.baseAddress!, offset: offset, strides: strides, shape: out, into: &yf) }
        #expect(yf == expected.map { Float($0) })
    }

    @Test(arguments: [Op.tanh, Op.sigmoid, Op.elu(alpha: 0.7)])
    func activationsBetweenQuantizersBecomeLookupTables(_ op: Op) throws {
        // input → Q → DQ → op → Q → DQ → output: the op runs as a table equal to Q(op(DQ(x))).
        var g = Graph(name: "lookup")
        let shape = [1, 2, 3, 40]
        g.inputs = [ValueInfo(name: "input", shape: shape)]
        let (xs, xz, ys, yz): (Float, Int8, Float, Int8) = (0.031, -7, 0.0079, 3)
        g.initializers["xs"] = Tensor(scalar: xs); g.initializers["xz"] = Tensor(scalar: xz)
        g.initializers["ys"] = Tensor(scalar: ys); g.initializers["yz"] = Tensor(scalar: yz)
        g.nodes = [
            Node(name: "q0", op: .quantizeLinear(axis: 1), inputs: ["input", "xs", "xz"], outputs: ["xq"]),
            Node(name: "dq0", op: .dequantizeLinear(axis: 1), inputs: ["xq", "xs", "xz"], outputs: ["xd"]),
            Node(name: "act", op: op, inputs: ["xd"], outputs: ["y"]),
            Node(name: "q1", op: .quantizeLinear(axis: 1), inputs: ["y", "ys", "yz"], outputs: ["yq"]),
            Node(name: "dq1", op: .dequantizeLinear(axis: 1), inputs: ["yq", "ys", "yz"], outputs: ["output"]),
        ]
        g.outputs = [ValueInfo(name: "output", shape: shape)]
        let x = (0..<shape.reduce(1, *)).map { Float($0 - 120) * 0.037 }
        let exec = try Int8Executor(graph: g, threads: 1)
        #expect(exec.planDescription.contains("act: int8 lookup table"), "\(exec.planDescription)")
        let got = try #require(try exec.runQuantized(["input": Tensor(shape: shape, scalars: x)])["output"])
        let expected = x.map { v -> Int8 in
            var real = Int8Quantize.dequantize(Int8Quantize.quantize(v, scale: xs, zeroPoint: Int32(xz)), scale: xs,
                                               zeroPoint: Int32(xz))
            var out: Float = 0
            _ = Int8FloatFallback.unary(op, &real, &out, count: 1)
            return Int8Quantize.quantize(out, scale: ys, zeroPoint: Int32(yz))
        }
        #expect(got.values.scalars(as: Int8.self) == expected)
    }

    @Test func unquantizedConvRunsInFloatLikeTheFP32Executor() throws {
        // A Conv with no Q/DQ around it (a layer left in float) runs through the float fallback.
        var g = Graph(name: "float-conv")
        let shape = [2, 4, 3, 7, 6]
        g.inputs = [ValueInfo(name: "input", shape: shape)]
        let attributes = ConvAttributes(kernel: [3, 3, 2], stride: [1, 2, 1], padsBegin: [1, 0, 1], padsEnd: [1, 1, 0],
                                        dilation: [1, 1, 2], groups: 2)
        let weight: [Float] = (0..<216).map { i -> Float in Float((i * 37) % 23 - 11) * 0.05 }
        g.initializers["w"] = Tensor(shape: [6, 2, 3, 3, 2], scalars: weight)
        g.initializers["b"] = Tensor(shape: [6], scalars: [0.1, -0.2, 0.3, 0, 0.5, -0.6] as [Float])
        g.nodes = [Node(name: "conv", op: .conv(attributes), inputs: ["input", "w", "b"], outputs: ["output"])]
        g.outputs = [ValueInfo(name: "output", shape: [2, 6, 3, 3, 5])]
        let values: [Float] = (0..<shape.reduce(1, *)).map { i -> Float in Float((i * 13) % 29 - 14) * 0.1 }
        let x = Tensor(shape: shape, scalars: values)
        let got = try Int8Executor(graph: g, threads: 1).run(x)
        let want = try FP32Executor(graph: g, threads: 1).run(x)
        #expect(got.shape == want.shape)
        let a = got.scalars(as: Float.self), b = want.scalars(as: Float.self)
        #expect(a.count == b.count && !a.isEmpty)
        #expect(zip(a, b).allSatisfy { abs($0 - $1) <= 1e-5 * max(1, abs($1)) })
    }
}
