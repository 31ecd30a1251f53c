import TensorCore

/// ONNX `TensorProto.DataType` codes and their ``DType`` counterparts.
public enum ONNXDataType {
    /// The ONNX code of a dtype.
    public static func code(of dtype: DType) -> Int32 {
        switch dtype {
        case .float32: return 1
        case .uint8: return 2
        case .int8: return 3
        case .uint16: return 4
        case .int16: return 5
        case .int32: return 6
        case .int64: return 7
        case .bool: return 9
        case .float16: return 10
        case .float64: return 11
        case .uint32: return 12
        case .uint64: return 13
        case .complex64: return 14
        case .complex128: return 15
        case .bfloat16: return 16
        }
    }

    /// The dtype of an ONNX code; nil for string, float8 and other types without a counterpart.
    public static func dtype(of code: Int32) -> DType? {
        switch code {
        case 1: return .float32
        case 2: return .uint8
        case 3: return .int8
        case 4: return .uint16
        case 5: return .int16
        case 6: return .int32
        case 7: return .int64
        case 9: return .bool
        case 10: return .float16
        case 11: return .float64
        case 12: return .uint32
        case 13: return .uint64
        case 16: return .bfloat16
        default: return nil
        }
    }
}

/// Conversion between ``Tensor`` and `TensorProto`.
public enum ONNXTensorConversion {
    /// Most dimensions accepted in a tensor read from a file.
    public static let maxRank = 16

    /// A `TensorProto` holding `tensor` in `raw_data` (little-endian, as ONNX requires).
    public static func proto(_ tensor: Tensor, name: String) -> ONNXTensorProto {
        var p = ONNXTensorProto()
        p.name = name
        p.dims = tensor.shape.map(Int64.init)
        p.dataType = ONNXDataType.code(of: tensor.dtype)
        p.rawData = tensor.withUnsafeBytes { Array($0) }
        return p
    }

    /// The tensor a `TensorProto` holds. Sizes are checked against the data present before any
    /// allocation; data stored outside the file is refused.
    public static func tensor(_ p: ONNXTensorProto, source: String) throws -> Tensor {
        let label = p.name.isEmpty ? "<unnamed>" : p.name
        if p.dataLocation == 1 || !p.externalData.isEmpty { throw ONNXError.externalData(source: source, tensor: label) }
        guard let dtype = ONNXDataType.dtype(of: p.dataType), dtype != .complex64, dtype != .complex128 else {
            throw ONNXError.unsupportedDType(source: source, tensor: label, dataType: p.dataType)
        }
        guard p.dims.count <= maxRank else {
            throw ONNXError.malformed(source: source, detail: "tensor '\(label)' has \(p.dims.count) dimensions (at most \(maxRank))")
        }
        var count = 1
        for d in p.dims {
            guard d >= 0, d <= Int64(Int32.max) else {
                throw ONNXError.malformed(source: source, detail: "tensor '\(label)' has dimension \(d)")
            }
            let (c, overflow) = count.multipliedReportingOverflow(by: Int(d))
            guard !overflow, c <= Int(Int32.max) else {
                throw ONNXError.malformed(source: source, detail: "tensor '\(label)' with dims \(p.dims) is too large")
            }
            count = c
        }
        let shape = p.dims.map { Int($0) }
        func mismatch(_ field: String, _ n: Int) -> ONNXError {
            .malformed(source: source, detail: "tensor '\(label)' with dims \(p.dims) needs \(count) elements but \(field) holds \(n)")
        }
        if !p.rawData.isEmpty || count == 0 {
            guard p.rawData.count == count * dtype.byteWidth else {
                throw ONNXError.malformed(source: source, detail: "tensor '\(label)' with dims \(p.dims) needs \(count * dtype.byteWidth) bytes of raw_data but has \(p.rawData.count)")
            }
            var t = Tensor(zeros: shape, dtype: dtype)
            t.withUnsafeMutableBytes { dst in p.rawData.withUnsafeBytes { dst.copyMemory(from: $0) } }
            return t
        }
        switch dtype {
        case .float32:
            guard p.floatData.count == count else { throw mismatch("float_data", p.floatData.count) }
            return Tensor(shape: shape, scalars: p.floatData)
        case .float64:
            guard p.doubleData.count == count else { throw mismatch("double_data", p.doubleData.count) }
            return Tensor(shape: shape, scalars: p.doubleData)
        case .int64:
            guard p.int64Data.count == count else { throw mismatch("int64_data", p.int64Data.count) }
            return Tensor(shape: shape, scalars: p.int64Data)
        case .uint32, .uint64:
            guard p.uint64Data.count == count else { throw mismatch("uint64_data", p.uint64Data.count) }
            if dtype == .uint64 { return Tensor(shape: shape, scalars: p.uint64Data) }
            return Tensor(shape: shape, scalars: p.uint64Data.map { UInt32(truncatingIfNeeded: $0) })
        default:
            // int32_data carries int32 and every narrower type (float16/bfloat16 as their bits).
            guard p.int32Data.count == count else { throw mismatch("int32_data", p.int32Data.count) }
            var t = Tensor(zeros: shape, dtype: dtype)
            t.withUnsafeMutableBytes { dst in
                for (k, v) in p.int32Data.enumerated() {
                    switch dtype.byteWidth {
                    case 1: dst[k] = UInt8(truncatingIfNeeded: v)
                    case 2: dst.storeBytes(of: UInt16(truncatingIfNeeded: v), toByteOffset: 2 * k, as: UInt16.self)
                    default: dst.storeBytes(of: v, toByteOffset: 4 * k, as: Int32.self)
                    }
                }
            }
            return t
        }
    }
}
