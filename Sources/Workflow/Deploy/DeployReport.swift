/// What `rppg deploy-check` finds: what an STM32N6 needs for this model. Codable for `--json`.
public struct DeployReport: Codable, Sendable {
    /// Where one operator is expected to run on the STM32N6.
    public enum Placement: String, Codable, Sendable {
        /// Neural-ART NPU (hardware accelerated).
        case npu
        /// Cortex-M55 software kernel (X-CUBE-AI fallback).
        case cpu
        /// Absorbed into a neighbour (Q/DQ pairs, Relu folded into the conv's range).
        case fused
    }

    /// One row of the per-operator table.
    public struct OperatorRow: Codable, Sendable {
        public var node: String
        public var op: String
        public var outputShape: [Int]
        public var macs: Int
        public var weightBytes: Int
        public var placement: Placement
        public var reason: String
    }

    /// One activation buffer of the reuse plan (offsets inside one arena).
    public struct Buffer: Codable, Sendable {
        public var tensor: String
        public var bytes: Int
        public var offset: Int
        /// Index of the first and last operator (in execution order) that use it.
        public var firstUse: Int
        public var lastUse: Int
    }

    /// A difference from what X-CUBE-AI expects of a QDQ model.
    public struct Deviation: Codable, Sendable {
        public var severity: String  // "error" (will not deploy as intended) or "warning"
        public var message: String
    }

    public var model: String
    public var target: String
    /// Bytes of constant data (quantized weights, int32 biases, scales, zero points): flash.
    public var flashBytes: Int
    /// Arena size of the activation buffer plan: RAM for activations.
    public var ramBytes: Int
    /// Activation bytes if every tensor had its own buffer (what the reuse plan saves against).
    public var ramBytesWithoutReuse: Int
    public var macs: Int
    public var inputShape: [Int]
    public var outputShape: [Int]
    public var operators: [OperatorRow]
    public var buffers: [Buffer]
    public var deviations: [Deviation]

    /// True when no deviation is an error.
    public var deployable: Bool { !deviations.contains { $0.severity == "error" } }

    /// Fraction (0…1) of the MACs on operators placed on the NPU.
    public var npuMACShare: Double {
        let npu = operators.filter { $0.placement == .npu }.reduce(0) { $0 + $1.macs }
        return macs > 0 ? Double(npu) / Double(macs) : 0
    }

    /// Operators left to the Cortex-M55 other than the float ↔ int8 boundary (Q/DQ of the model's
    /// input and output): what keeps a model from running wholly on the NPU.
    public var cpuOperators: [OperatorRow] {
        operators.filter { $0.placement == .cpu && !["QuantizeLinear", "DequantizeLinear"].contains($0.op) }
    }
}
