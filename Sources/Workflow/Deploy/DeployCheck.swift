import Foundation
import NN
import ONNX
import TensorCore

/// `rppg deploy-check`: what a QDQ model needs on an STM32N6 (flash, RAM, MACs), where each
/// operator is expected to run, and every deviation from what X-CUBE-AI / ST Edge AI expects of
/// an ONNX QDQ model (int8 per-channel symmetric weights, int8 activations, static shapes,
/// batch 1, BatchNorm folded).
///
/// The NPU placement rules are the facts in docs (REFERENCE §6): the Neural-ART NPU runs int8
/// 2-D convolutions and 1-D/2-D pooling; nothing documents Conv3D on it, so 3-D operators are
/// expected to fall back to the Cortex-M55. ST's own tool has the final word; the report says so.
public enum DeployCheck {
    /// Targets this check knows.
    public static let targets = ["stm32n6"]

    /// Errors of the deploy-check step.
    public struct CheckError: UserFacingError {
        public let message: String
        public var description: String { message }
    }

    /// Reads `model` (ONNX) and checks it against `target`.
    public static func run(model: URL, target: String = "stm32n6") throws -> DeployReport {
        guard targets.contains(target) else {
            throw CheckError(message: "Unknown target '\(target)'. Known targets: \(targets.joined(separator: ", ")).")
        }
        var graph = try ONNXReader.read(model)
        try ShapeInference.run(&graph)
        return analyse(graph, model: model.path, target: target)
    }

    /// Checks an in-memory graph (shapes inferred).
    public static func analyse(_ graph: Graph, model: String, target: String = "stm32n6") -> DeployReport {
        var deviations: [DeployReport.Deviation] = []
        var rows: [DeployReport.OperatorRow] = []
        let producers = Dictionary(graph.nodes.flatMap { n in n.outputs.map { ($0, n) } }, uniquingKeysWith: { a, _ in a })

        func shape(_ value: String) -> [Int] {
            graph.valueInfo[value]?.shape ?? graph.initializers[value]?.shape
                ?? graph.inputs.first { $0.name == value }?.shape ?? graph.outputs.first { $0.name == value }?.shape ?? []
        }
        /// True when `value` is an activation that arrives quantized (DQ of a non-constant).
        /// Bits of the quantized activation `value` dequantizes (8 or 16), nil when it is float.
        func activationBits(_ value: String) -> Int? {
            guard let p = producers[value], case .dequantizeLinear = p.op, graph.initializers[p.inputs[0]] == nil else { return nil }
            let zp = p.inputs.count > 2 ? graph.initializers[p.inputs[2]]?.dtype : nil
            return zp == .int16 || zp == .uint16 ? 16 : 8
        }
        /// An 8-bit quantized activation: what the NPU's operators take.
        func isQuantizedActivation(_ value: String) -> Bool { activationBits(value) == 8 }
        /// The constant behind a weight input: itself, or the int tensor a DequantizeLinear reads.
        func constant(_ value: String) -> (tensor: Tensor, dq: Node?)? {
            if let t = graph.initializers[value] { return (t, nil) }
            if let p = producers[value], case .dequantizeLinear = p.op, let t = graph.initializers[p.inputs[0]] {
                return (t, p)
            }
            return nil
        }

        // Flash: every constant tensor (weights, biases, scales, zero points, shape tensors).
        let flash = graph.initializers.values.reduce(0) { $0 + $1.byteCount }

        // Shapes: static and batch 1.
        for input in graph.inputs {
            if input.shape.contains(where: { $0 <= 0 }) {
                deviations.append(.init(severity: "error", message: "Input '\(input.name)' has a dynamic shape \(input.shape); X-CUBE-AI needs static shapes (re-export with fixed --frames)."))
            }
            if let batch = input.shape.first, batch != 1 {
                deviations.append(.init(severity: "error", message: "Input '\(input.name)' has batch \(batch); the STM32N6 runtime expects batch 1 (re-export with --batch 1)."))
            }
        }

        var totalMACs = 0
        let lastIndex = graph.nodes.count - 1
        for (index, node) in graph.nodes.enumerated() {
            let out = node.outputs.first.map(shape) ?? []
            var macs = 0
            var weightBytes = 0
            var placement = DeployReport.Placement.cpu
            var reason = ""
            let quantizedInput = node.inputs.first.map(isQuantizedActivation) ?? false

            func checkWeights(axisCount: Int) {
                guard node.inputs.count > 1, let (w, dq) = constant(node.inputs[1]) else { return }
                weightBytes = w.byteCount
                if node.inputs.count > 2, let (b, _) = constant(node.inputs[2]) { weightBytes += b.byteCount }
                guard let dq else {
                    deviations.append(.init(severity: "error", message: "\(node.op.name) '\(node.name)': weights are \(w.dtype.rawValue), not quantized; X-CUBE-AI expects int8 QDQ weights."))
                    return
                }
                if w.dtype != .int8 {
                    deviations.append(.init(severity: "warning", message: "\(node.op.name) '\(node.name)': weights are \(w.dtype.rawValue); the STM32N6 scheme is signed int8 weights."))
                }
                if dq.inputs.count > 1, let scale = graph.initializers[dq.inputs[1]], scale.elementCount == 1, axisCount > 1 {
                    deviations.append(.init(severity: "warning", message: "\(node.op.name) '\(node.name)': per-tensor weight scale; X-CUBE-AI's scheme is per-channel (quantize with --per-channel)."))
                }
                if dq.inputs.count > 2, let zp = graph.initializers[dq.inputs[2]], zp.doubleValues().contains(where: { $0 != 0 }) {
                    deviations.append(.init(severity: "warning", message: "\(node.op.name) '\(node.name)': weight zero points are not 0; X-CUBE-AI expects symmetric weights."))
                }
            }

            switch node.op {
            case .conv(let a), .qLinearConv(let a):
                let wShape = shape(node.inputs.count > 1 ? node.inputs[1] : "")
                let perOutput = wShape.count > 1 ? wShape[1] * a.kernel.reduce(1, *) : 0
                macs = out.reduce(1, *) * perOutput
                checkWeights(axisCount: wShape.first ?? 1)
                if a.spatialRank <= 2 {
                    placement = quantizedInput || node.op.name == "QLinearConv" ? .npu : .cpu
                    reason = placement == .npu ? "int8 Conv\(a.spatialRank)D on the Neural-ART NPU" : "float input: software kernel"
                } else {
                    placement = .cpu
                    reason = "Conv3D has no documented NPU mapping: expect a Cortex-M55 software kernel"
                    if a.kernel.first == 1 && a.stride.first == 1 && a.padsBegin.first == 0 {
                        reason += " (kernel 1×k×k could be re-expressed as Conv2D over frames)"
                    }
                }
            case .convTranspose(let a):
                let wShape = shape(node.inputs.count > 1 ? node.inputs[1] : "")
                let inShape = shape(node.inputs[0])
                macs = inShape.reduce(1, *) * (wShape.count > 1 ? wShape[1] * a.conv.kernel.reduce(1, *) : 0)
                checkWeights(axisCount: wShape.count > 1 ? wShape[1] : 1)
                placement = a.conv.spatialRank <= 2 && quantizedInput ? .npu : .cpu
                reason = placement == .npu ? "int8 ConvTranspose2D on the NPU" : "ConvTranspose\(a.conv.spatialRank)D: software kernel"
            case .gemm, .matMul:
                let a = shape(node.inputs[0]), b = shape(node.inputs.count > 1 ? node.inputs[1] : "")
                macs = (a.dropLast().reduce(1, *)) * (a.last ?? 0) * (b.last ?? 0)
                checkWeights(axisCount: b.first ?? 1)
                placement = quantizedInput ? .npu : .cpu
                reason = placement == .npu ? "int8 fully connected on the NPU" : "float input: software kernel"
            case .maxPool(let a), .avgPool(let a):
                placement = a.kernel.count <= 2 && quantizedInput ? .npu : .cpu
                reason = a.kernel.count <= 2 ? (quantizedInput ? "\(a.kernel.count)-D pooling on the NPU" : "float pooling: software")
                    : "\(a.kernel.count)-D pooling: the NPU pools in 1-D/2-D only"
            case .globalAvgPool, .adaptiveAvgPool, .reduceMean:
                let rank = shape(node.inputs[0]).count
                placement = rank <= 4 && quantizedInput ? .npu : .cpu
                reason = placement == .npu ? "2-D global pooling on the NPU" : "mean over a \(rank)-D tensor: software kernel"
            case .relu, .clip:
                let fused = producers[node.inputs[0]].map { p -> Bool in
                    if case .conv = p.op { return true }
                    return false
                } ?? false
                placement = fused ? .fused : (quantizedInput ? .npu : .cpu)
                reason = fused ? "folded into the preceding conv's output range" : "activation"
            case .elu, .tanh, .sigmoid:
                placement = .cpu
                reason = "\(node.op.name): no documented NPU mapping; software kernel (or LUT) expected"
            case .add, .sub, .mul, .div:
                placement = quantizedInput ? .npu : .cpu
                reason = quantizedInput ? "int8 element-wise on the NPU" : "float element-wise: software"
            case .reshape, .flatten, .squeeze, .unsqueeze, .identity, .dropout, .transpose, .concat, .slice:
                placement = .fused
                reason = "layout only, no arithmetic"
            case .gather:
                placement = .cpu
                reason = "Gather with arbitrary indices: software copy (no documented NPU mapping)"
            case .quantizeLinear, .dequantizeLinear:
                let edge = index == 0 || index == lastIndex || graph.inputs.contains { $0.name == node.inputs[0] }
                    || graph.outputs.contains { node.outputs.contains($0.name) }
                let ofConstant = graph.initializers[node.inputs[0]] != nil
                placement = edge && !ofConstant ? .cpu : .fused
                reason = ofConstant ? "weight dequantization: folded offline" : edge ? "model boundary (float ↔ int8)" : "folded into int8 operators"
                if case .quantizeLinear = node.op, node.inputs.count > 2, let zp = graph.initializers[node.inputs[2]],
                   zp.dtype == .int16 || zp.dtype == .uint16 {
                    deviations.append(.init(severity: "warning", message: "QuantizeLinear '\(node.name)': 16-bit activation (\(zp.dtype.rawValue), opset 21); the Neural-ART NPU runs 8-bit operators, so the layers reading it are expected on the Cortex-M55 (quantize without --int16 for an all-NPU model)."))
                }
                if case .quantizeLinear = node.op, node.inputs.count > 2, let zp = graph.initializers[node.inputs[2]], zp.dtype == .uint8 {
                    deviations.append(.init(severity: "warning", message: "QuantizeLinear '\(node.name)': uint8 activations; the STM32N6 scheme is signed int8 (quantize with --activation-type int8)."))
                }
            case .batchNorm:
                deviations.append(.init(severity: "error", message: "BatchNormalization '\(node.name)' is not folded; export with BatchNorm folding (rppg export does this)."))
                reason = "BatchNorm must be folded before deployment"
            case .instanceNorm:
                reason = "InstanceNormalization: software kernel"
            case .layerNorm:
                reason = "LayerNormalization: software kernel"
            case .softmax:
                placement = .cpu
                reason = "Softmax: software kernel (no documented NPU mapping)"
            }
            // A 16-bit input is flagged once, at its QuantizeLinear; others are float.
            if !quantizedInput, !isQDQ(node.op), placement != .fused, graph.initializers[node.inputs.first ?? ""] == nil,
               activationBits(node.inputs.first ?? "") != 16 {
                deviations.append(.init(severity: "warning", message: "\(node.op.name) '\(node.name)' runs in float (its input is not quantized)."))
            }
            totalMACs += macs
            rows.append(.init(node: node.name, op: node.op.name, outputShape: out, macs: macs,
                              weightBytes: weightBytes, placement: placement, reason: reason))
        }

        let plan = ActivationPlan(graph: graph)
        return DeployReport(
            model: model, target: target, flashBytes: flash, ramBytes: plan.arenaBytes,
            ramBytesWithoutReuse: plan.unsharedBytes, macs: totalMACs,
            inputShape: graph.inputs.first?.shape ?? [], outputShape: graph.outputs.first?.shape ?? [],
            operators: rows, buffers: plan.buffers, deviations: deviations)
    }
}
