import TensorCore

/// Why an ONNX file could not be read or a graph could not be written; each message names the
/// file (or graph), what is wrong and what to do.
public enum ONNXError: UserFacingError, Equatable {
    case unreadable(source: String, reason: String)
    case malformed(source: String, detail: String)
    case unsupportedOp(source: String, node: String, op: String, domain: String)
    case unsupportedAttribute(source: String, node: String, op: String, detail: String)
    case unsupportedOpset(source: String, domain: String, version: Int64)
    case unsupportedDType(source: String, tensor: String, dataType: Int32)
    case externalData(source: String, tensor: String)
    case dynamicShape(source: String, value: String)
    case invalidGraph(source: String, detail: String)

    public var description: String {
        switch self {
        case .unreadable(let s, let r):
            return "Could not read ONNX file \(s): \(r). Check the path and permissions."
        case .malformed(let s, let d):
            return "\(s) is not a valid ONNX file (truncated or corrupt protobuf): \(d). Re-export the model."
        case .unsupportedOp(let s, let n, let o, let d):
            return "\(s): node '\(n)' uses op '\(o)' in domain '\(d.isEmpty ? "ai.onnx" : d)', which this runtime does not support. Export the model without it (static shapes, opset 13–21)."
        case .unsupportedAttribute(let s, let n, let o, let d):
            return "\(s): node '\(n)' (\(o)): \(d). Re-export the model with plain settings (static shapes, opset 13–21)."
        case .unsupportedOpset(let s, let d, let v):
            return "\(s): opset \(v) of domain '\(d.isEmpty ? "ai.onnx" : d)' is not supported (ai.onnx 11–21). Re-export with opset 13 or 17."
        case .unsupportedDType(let s, let t, let dt):
            return "\(s): tensor '\(t)' has ONNX data type \(dt), which this runtime does not support (float, double, float16, bfloat16, int8/16/32/64, uint8/16/32/64, bool)."
        case .externalData(let s, let t):
            return "\(s): tensor '\(t)' stores its data in an external file; save the model with all tensors inside the .onnx file (onnx.save_model(..., save_as_external_data=False))."
        case .dynamicShape(let s, let v):
            return "\(s): value '\(v)' has a dynamic or unknown shape; export with static shapes (no dynamic_axes)."
        case .invalidGraph(let s, let d):
            return "\(s): \(d)."
        }
    }
}
