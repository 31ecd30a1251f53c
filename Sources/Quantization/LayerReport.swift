import Foundation
import NN
import TensorCore

/// Quantization error of one quantized activation, measured on calibration clips.
public struct LayerError: Hashable, Sendable, Codable {
    /// The FP32 tensor's name (`T` of `T_QuantizeLinear`).
    public var tensor: String
    /// The node that writes it in the QDQ graph, with its op (e.g. `Conv`).
    public var producer: String
    public var producerOp: String
    public var scale: Float
    public var zeroPoint: Int32
    /// SQNR (dB) of the fake-quant graph's dequantized tensor against FP32: the error accumulated
    /// up to and including this tensor.
    public var sqnrDB: Double
    /// SQNR (dB) of this tensor's own rounding and clipping, applied to the FP32 value.
    public var localSQNRdB: Double
    /// Fraction of FP32 values outside the representable range (clipped).
    public var clippedFraction: Double
    /// How its range was calibrated (`minmax`, `percentile 99.99`, …); nil in older reports.
    public var method: String? = nil
}

/// The per-layer report: one entry per quantized activation, in graph order.
public struct LayerReport: Hashable, Sendable, Codable {
    public var layers: [LayerError]
    /// Clips the report was measured on.
    public var clipCount: Int
    /// SQNR (dB) of the graph output.
    public var outputSQNRdB: Double
    /// How `--method auto` chose (nil for the other methods and in older reports).
    public var auto: AutoCalibrationReport? = nil

    public init(layers: [LayerError], clipCount: Int, outputSQNRdB: Double) {
        self.layers = layers
        self.clipCount = clipCount
        self.outputSQNRdB = outputSQNRdB
    }

    /// A fixed-width table for the terminal.
    public var text: String {
        var lines = ["per-layer quantization error (SQNR, dB; higher is better) on \(clipCount) clip(s)",
                     pad("tensor", 40) + pad("op", 14) + pad("SQNR", 9) + pad("local", 9) + pad("clipped", 11) + "range from"]
        for l in layers {
            lines.append(pad(l.tensor, 40) + pad(l.producerOp, 14) + pad(format(l.sqnrDB), 9)
                         + pad(format(l.localSQNRdB), 9) + pad(String(format: "%.4f%%", l.clippedFraction * 100), 11) + (l.method ?? "-"))
        }
        lines.append("output SQNR: \(format(outputSQNRdB)) dB")
        if let auto { lines.append(auto.text) }
        return lines.joined(separator: "\n")
    }

    private func pad(_ s: String, _ n: Int) -> String {
        s.count >= n ? String(s.prefix(n - 1)) + " " : s + String(repeating: " ", count: n - s.count)
    }
    private func format(_ x: Double) -> String { x.isInfinite ? "inf" : String(format: "%.2f", x) }

    /// `10·log10(Σx² / Σ(x − x̂)²)`; infinite when the error is zero.
    public static func sqnr(signal: Double, noise: Double) -> Double {
        if noise == 0 { return .infinity }
        if signal == 0 { return -.infinity }
        return 10 * log10(signal / noise)
    }
}
