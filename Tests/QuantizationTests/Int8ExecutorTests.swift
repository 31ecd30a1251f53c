import Foundation
import Kernels
import NN
import Quantization
import Testing
import TensorCore

/// Builds QDQ graphs in ONNX Runtime quantize_static form, plus an independent float simulation
/// (dequantize → FP64 op → quantize at every Q) to check the integer executor against.
struct QDQGraphBuilder {
    var graph = Graph(name: "qdq")
    var rng: UInt64
    /// value name → (float reference values, shape) of dequantized activations.
    var reference: [String: (values: [Double], shape: [Int])] = [:]

    init(seed: UInt64) { rng = seed }

    mutating func random() -> Double {
        rng = rng &* 6364136223846793005 &+ 1442695040888963407
        return Double(rng >> 11) / Double(1 << 53)
    }

    static func q(_ x: Double, _ s: Float, _ zp: Int32) -> Int8 { Int8Quantize.quantize(Float(x), scale: s, zeroPoint: zp) }

    /// x → Q → DQ; returns the DQ output name.
    mutating func quantize(_ x: String, scale: Float, zeroPoint: Int8) -> String {
        graph.initializers["\(x)_scale"] = Tensor(scalar: scale)
        graph.initializers["\(x)_zero_point"] = Tensor(scalar: zeroPoint)
        graph.nodes.append(Node(name: "\(x)_QuantizeLinear", op: .quantizeLinear(axis: 1),
                                inputs: [x, "\(x)_scale", "\(x)_zero_point"], outputs: ["\(x)_quantized"]))
        graph.nodes.append(Node(name: "\(x)_DequantizeLinear", op: .dequantizeLinear(axis: 1),
                                inputs: ["\(x)_quantized", "\(x)_scale", "\(x)_zero_point"], outputs: ["\(x)_dequantized"]))
        let (v, shape) = reference[x]!
        reference["\(x)_dequantized"] = (v.map { Double(Int8Quantize.dequantize(Self.q($0, scale, Int32(zeroPoint)), scale: scale, zeroPoint: Int32(zeroPoint))) }, shape)
        return "\(x)_dequantized"
    }

    /// Conv with per-channel int8 weights (DQ axis 0) and an int32 bias (DQ); FP64 reference.
    mutating func conv(_ name: String, _ x: String, cout: Int, attributes a: ConvAttributes, bias: Bool) -> String {
        let (xv, xs) = reference[x]!
        let cinG = xs[1] / a.groups
        let kvol = a.kernel.reduce(1, *)
        var w = [Int8](), scales = [Float]()
        for _ in 0..<cout {
            scales.append(Float(0.002 + 0.01 * random()))
            for _ in 0..<(cinG * kvol) { w.append(Int8(Int(random() * 255) - 127)) }
        }
        graph.initializers["\(name).weight_quantized"] = Tensor(shape: [cout, cinG] + a.kernel, scalars: w)
        graph.initializers["\(name).weight_scale"] = Tensor(shape: [cout], scalars: scales)
        graph.initializers["\(name).weight_zero_point"] = Tensor(shape: [cout], scalars: [Int8](repeating: 0, count: cout))
        graph.nodes.append(Node(name: "\(name).weight_DequantizeLinear", op: .dequantizeLinear(axis: 0),
                                inputs: ["\(name).weight_quantized", "\(name).weight_scale", "\(name).weight_zero_point"],
                                outputs: ["\(name).weight_dq"]))
        var inputs = [x, "\(name).weight_dq"]
        var b = [Int32](repeating: 0, count: cout)
        if bias {
            let inScale = graph.initializers[x.replacingOccurrences(of: "_dequantized", with: "_scale")]!.floatValues()[0]
            b = (0..<cout).map { _ in Int32(random() * 2000) - 1000 }
            graph.initializers["\(name).bias_quantized"] = Tensor(shape: [cout], scalars: b)
            graph.initializers["\(name).bias_quantized_scale"] = Tensor(shape: [cout], scalars: scales.map { $0 * inScale })
            graph.initializers["\(name).bias_quantized_zero_point"] = Tensor(shape: [cout], scalars: [Int32](repeating: 0, count: cout))
            graph.nodes.append(Node(name: "\(name).bias_DequantizeLinear", op: .dequantizeLinear(axis: 0),
                                    inputs: ["\(name).bias_quantized", "\(name).bias_quantized_scale", "\(name).bias_quantized_zero_point"],
                                    outputs: ["\(name).bias_dq"]))
            inputs.append("\(name).bias_dq")
        }
        let out = "\(name)_output"
        graph.nodes.append(Node(name: name, op: .conv(a), inputs: inputs, outputs: [out]))
        // FP64 reference on dequantized values.
        let inScale = graph.initializers[x.replacingOccurrences(of: "_dequantized", with: "_scale")]!.floatValues()[0]
        let s = Int8ConvShape(batch: xs[0], inChannels: xs[1], outChannels: cout, input: Array(xs[2...]), kernel: a.kernel,
                              stride: a.stride, padsBegin: a.padsBegin, padsEnd: a.padsEnd, dilation: a.dilation, groups: a.groups)
        var y = [Double](repeating: 0, count: s.batch * cout * s.outputPositions)
        let (id, ih, iw) = (s.input[0], s.input[1], s.input[2])
        var p = 0
        for n in 0..<s.batch { for co in 0..<cout {
            let g = co / (cout / a.groups)
            for z in 0..<s.output[0] { for yy in 0..<s.output[1] { for xx in 0..<s.output[2] {
                var acc = Double(b[co]) * Double(Float(scales[co] * inScale))
                for c in 0..<cinG { for k0 in 0..<s.kernel[0] { for k1 in 0..<s.kernel[1] { for k2 in 0..<s.kernel[2] {
                    let d = z * s.stride[0] - s.padsBegin[0] + k0, h = yy * s.stride[1] - s.padsBegin[1] + k1
                    let ww = xx * s.stride[2] - s.padsBegin[2] + k2
                    guard d >= 0, d < id, h >= 0, h < ih, ww >= 0, ww < iw else { continue }
                    let wi = (((co * cinG + c) * s.kernel[0] + k0) * s.kernel[1] + k1) * s.kernel[2] + k2
                    acc += Double(Float(w[wi]) * scales[co]) * xv[(((n * xs[1] + g * cinG + c) * id + d) * ih + h) * iw + ww]
                } } } }
                y[p] = acc; p += 1
            } } }
        } }
        reference[out] = (y, [s.batch, cout] + Array(s.output[(3 - a.kernel.count)...]))
        return out
    }

    mutating func unary(_ name: String, _ op: Op, _ x: String, shape newShape: [Int]? = nil,
                        _ f: ([Double], [Int]) -> ([Double], [Int])) -> String {
        graph.nodes.append(Node(name: name, op: op, inputs: [x], outputs: ["\(name)_output"]))
        let (v, s) = reference[x]!
        reference["\(name)_output"] = f(v, s)
        return "\(name)_output"
    }
}

@Suite("Int8Executor on hand-built QDQ graphs")
struct Int8ExecutorTests {
    /// TinyPulse-shaped: Q → conv(1x3x3)+ReLU range → avgpool → conv 3³ with bias → maxpool → mean(H,W)
    /// → head conv 1x1 with bias → reshape → DQ output.
    static func tinyGraph(seed: UInt64, elu: Bool = false) -> (QDQGraphBuilder, Tensor) {
        var b = QDQGraphBuilder(seed: seed)
        let shape = [1, 3, 6, 12, 12]
        let input = (0..<shape.reduce(1, *)).map { _ in Float(b.random() * 4 - 2) }
        b.graph.inputs = [ValueInfo(name: "input", shape: shape)]
        b.reference["input"] = (input.map(Double.init), shape)
        var x = b.quantize("input", scale: 4.0 / 255, zeroPoint: 0)
        x = b.conv("stem", x, cout: 5, attributes: ConvAttributes(kernel: [1, 3, 3], padsBegin: [0, 1, 1]), bias: false)
        x = b.unary("stem_relu", .relu, x) { v, s in (v.map { max($0, 0) }, s) }
        x = b.quantize(x, scale: 0.02, zeroPoint: -128)
        x = b.unary("pool1", .avgPool(PoolAttributes(kernel: [1, 2, 2])), x) { v, s in Self.pool(v, s, max: false) }
        x = b.quantize(x, scale: 0.015, zeroPoint: -120)
        x = b.conv("block2", x, cout: 7, attributes: ConvAttributes(kernel: [3, 3, 3], padsBegin: [1, 1, 1]), bias: true)
        if elu {
            x = b.unary("block2_elu", .elu(alpha: 1), x) { v, s in (v.map { $0 > 0 ? $0 : exp($0) - 1 }, s) }
        }
        x = b.quantize(x, scale: 0.05, zeroPoint: 3)
        x = b.unary("pool2", .maxPool(PoolAttributes(kernel: [1, 2, 2])), x) { v, s in Self.pool(v, s, max: true) }
        x = b.quantize(x, scale: 0.05, zeroPoint: 3)
        x = b.unary("mean", .reduceMean(axes: [3, 4], keepDims: true), x) { v, s in
            let hw = s[3] * s[4]
            return ((0..<(v.count / hw)).map { i in v[(i * hw)..<((i + 1) * hw)].reduce(0, +) / Double(hw) }, [s[0], s[1], s[2], 1, 1])
        }
        x = b.quantize(x, scale: 0.01, zeroPoint: -2)
        x = b.conv("head", x, cout: 1, attributes: ConvAttributes(kernel: [1, 1, 1]), bias: true)
        x = b.quantize(x, scale: 0.03, zeroPoint: 5)
        x = b.unary("reshape", .reshape(shape: [1, -1]), x) { v, s in (v, [1, v.count]) }
        x = b.quantize(x, scale: 0.03, zeroPoint: 5)
        b.graph.nodes.append(Node(name: "output_id", op: .identity, inputs: [x], outputs: ["output"]))
        b.graph.outputs = [ValueInfo(name: "output", shape: [1, 6])]
        b.reference["output"] = b.reference[x]
        return (b, Tensor(shape: shape, scalars: input))
    }

    static func pool(_ v: [Double], _ s: [Int], max: Bool) -> ([Double], [Int]) {
        let (c, d, h, w) = (s[0] * s[1], s[2], s[3] / 2, s[4] / 2)
        var out = [Double]()
        for ci in 0..<c { for z in 0..<d { for y in 0..<h { for x in 0..<w {
            let taps = [(0, 0), (0, 1), (1, 0), (1, 1)].map { v[((ci * d + z) * s[3] + 2 * y + $0.0) * s[4] + 2 * x + $0.1] }
            out.append(max ? taps.max()! : taps.reduce(0, +) / 4)
        } } } }
        return (out, [s[0], s[1], d, h, w])
    }

    @Test func lowersEveryNodeToIntegerOpsAndMatchesFloatSimulation() throws {
        let (b, input) = Self.tinyGraph(seed: 3)
        var results: [Int8Path: [Int8]] = [:]
        for path in Int8Dispatch.supportedPaths {
            let exec = try Int8Executor(graph: b.graph, threads: 2, path: path)
            if path == .reference { print(exec.planDescription) }
            #expect(!exec.planDescription.contains("float fallback"), "\(exec.planDescription)")
            #expect(exec.planDescription.contains("int8 conv3d"))
            #expect(exec.planDescription.contains("int8 average pool"))
            #expect(exec.planDescription.contains("int8 max pool"))
            #expect(exec.planDescription.contains("int8 mean"))
            let q = try #require(try exec.runQuantized(["input": input])["output"])
            results[path] = q.values.scalars(as: Int8.self)
            let y = try exec.run(input)
            #expect(y.shape == [1, 6])
            #expect(y.floatValues() == results[path]!.map { Int8Quantize.dequantize($0, scale: q.scale, zeroPoint: q.zeroPoint) })
        }
        // Bit-identical across kernel paths.
        for (path, r) in results { #expect(r == results[.reference], "path \(path)") }
        // Within 1 LSB of the float (FP64) simulation of the same QDQ graph at every element.
        let ref = b.reference["output"]!.values
        let got = results[.reference]!
        for (i, r) in ref.enumerated() {
            let q = Int(QDQGraphBuilder.q(r, 0.03, 5))
            #expect(abs(q - Int(got[i])) <= 1, "element \(i): \(got[i]) vs simulated \(q)")
        }
        #expect(Set(got).count > 2, "output should not be constant")
    }

    @Test func unsupportedOpsRunThroughTheFloatFallback() throws {
        let (b, input) = Self.tinyGraph(seed: 5, elu: true)
        let exec = try Int8Executor(graph: b.graph, threads: 1)
        #expect(exec.planDescription.contains("Elu block2_elu: float fallback"))
        // The conv before the ELU cannot fuse its Q, so it runs in float too.
        #expect(exec.planDescription.contains("Conv block2: float fallback"))
        let got = try exec.runQuantized(["input": input])["output"]!.values.scalars(as: Int8.self)
        let ref = b.reference["output"]!.values
        var offByMore = 0
        for (i, r) in ref.enumerated() where abs(Int(QDQGraphBuilder.q(r, 0.03, 5)) - Int(got[i])) > 1 { offByMore += 1 }
        #expect(offByMore == 0)
    }

    @Test func badInputsAreUserFacingErrors() throws {
        let (b, _) = Self.tinyGraph(seed: 1)
        let exec = try Int8Executor(graph: b.graph, threads: 1)
        #expect(throws: Int8ExecutorError.self) { try exec.run(Tensor(zeros: [1, 3, 6, 12, 11])) }
        var nan = Tensor(zeros: [1, 3, 6, 12, 12])
        nan.withUnsafeMutableBufferPointer(of: Float.self) { $0[7] = .nan }
        #expect(throws: Int8ExecutorError.self) { try exec.run(nan) }
    }
}
