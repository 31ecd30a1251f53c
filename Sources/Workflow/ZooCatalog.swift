import Foundation
import NN
import Quantization
import RPPG
import TensorCore
import TorchIO
import Training

/// `rppg models`: every zoo model with what it costs and where an STM32N6 would run it.
///
/// The NPU share is `deploy-check`'s own placement of the model quantized by the quantizer's own
/// rules, so neither is restated here. The weights are PyTorch's default initialisation (seed 0)
/// and every calibrated tensor gets the range [-1, 1]: ranges change scales, not which tensors get
/// Q/DQ, so placement and MACs are those of any trained checkpoint of the same architecture.
public enum ZooCatalog {
    /// One model of the zoo.
    public struct Entry: Codable, Sendable, Equatable {
        /// The `--model` name.
        public var name: String
        public var displayName: String
        /// Trainable parameters (BatchNorm's running statistics not counted).
        public var parameters: Int
        /// Values of the state dict (parameters and buffers).
        public var stateDictValues: Int
        /// Multiply-accumulates of one clip (batch 1, the default T), as deploy-check counts them.
        public var macsPerClip: Int
        /// `[1, 3, T, H, W]`.
        public var inputShape: [Int]
        /// What the clip holds: `DiffNormalized` (rPPG-Toolbox's normalised frame differences) or
        /// `Raw` (frames; the model differences and normalises them itself).
        public var inputType: String
        /// Fraction (0…1) of the MACs deploy-check places on the Neural-ART NPU after default quantization.
        public var npuShare: Double
        /// Operators left on the Cortex-M55 (the int8 ↔ float boundary not counted).
        public var cpuOperators: Int
    }

    /// Buffers of a BatchNorm, not trained.
    static let bufferSuffixes = [".running_mean", ".running_var", ".num_batches_tracked"]

    /// The entry of one architecture.
    public static func entry(_ a: ZooArchitecture) throws -> Entry {
        let shapes = ModelZoo.parameterShapes(a)
        let values = shapes.reduce(0) { $0 + $1.shape.reduce(1, *) }
        let trainable = shapes.filter { p in !bufferSuffixes.contains { p.key.hasSuffix($0) } }.reduce(0) { $0 + $1.shape.reduce(1, *) }
        let weights = StateDict(ParameterInitialization.pytorchDefaults(shapes, seed: 0))
        let fp32 = GraphPasses.optimizeForInference(try ModelZoo.graph(a, stateDict: weights))
        let ranges = Dictionary(uniqueKeysWithValues: QDQRule.tensorsToCalibrate(fp32).map { ($0, TensorRange(min: -1, max: 1)) })
        var qdq = try QDQInsertion.apply(fp32, ranges: ranges, options: QuantizationOptions())
        try ShapeInference.run(&qdq)
        let report = DeployCheck.analyse(qdq, model: a.rawValue)
        return Entry(name: a.rawValue, displayName: a.displayName, parameters: trainable, stateDictValues: values,
                     macsPerClip: report.macs, inputShape: report.inputShape, inputType: inputType(a),
                     npuShare: report.npuMACShare, cpuOperators: report.cpuOperators.count)
    }

    /// Every architecture, in ``ZooArchitecture`` order.
    public static func all() throws -> [Entry] { try ZooArchitecture.allCases.map(entry) }

    /// FactorizePhys and iBVPNet take frames and difference them themselves (Tools/pytorch_zoo.py); the others
    /// take what `rppg preprocess` writes by default.
    static func inputType(_ a: ZooArchitecture) -> String {
        switch a {
        case .factorizePhys, .iBVPNet: return "Raw"
        // rPPG-Toolbox's DATA_TYPE for them: [DiffNormalized, Standardized] and [Standardized].
        case .tsCAN, .deepPhys: return "DiffNormalized+Standardized"
        case .efficientPhys: return "Standardized"
        default: return "DiffNormalized"
        }
    }

    /// The table `rppg models` prints.
    public static func text(_ entries: [Entry]) -> String {
        let header = pad("model", 14) + pad("parameters", 12) + pad("MACs/clip", 16) + pad("input", 40) + pad("NPU share", 11) + "CPU ops"
        let rows = entries.map { e in
            pad(e.name, 14) + pad(DeployReport.grouped(e.parameters), 12) + pad(DeployReport.grouped(e.macsPerClip), 16)
                + pad("\(e.inputType) \(e.inputShape)", 40) + pad(String(format: "%.1f %%", 100 * e.npuShare), 11) + String(e.cpuOperators)
        }
        return ([header] + rows + [
            "",
            "NPU share: % of MACs `rppg deploy-check` places on the STM32N6's Neural-ART NPU after default `rppg quantize`;",
            "CPU ops: operators left to the Cortex-M55 (the float ↔ int8 boundary not counted).",
        ]).joined(separator: "\n")
    }

    static func pad(_ s: String, _ width: Int) -> String { DeployReport.pad(s, width) }
}
