/// Element types a ``Tensor`` can hold: every storage type PyTorch checkpoints use.
public enum DType: String, Sendable, CaseIterable, Codable {
    case float64, float32, float16, bfloat16
    case int64, int32, int16, int8, uint8, bool
    case uint16, uint32, uint64
    case complex64, complex128

    /// Size of one element in bytes.
    public var byteWidth: Int {
        switch self {
        case .float64, .int64, .uint64, .complex64: return 8
        case .float32, .int32, .uint32: return 4
        case .float16, .bfloat16, .int16, .uint16: return 2
        case .int8, .uint8, .bool: return 1
        case .complex128: return 16
        }
    }

    /// True for the floating-point types (complex excluded).
    public var isFloatingPoint: Bool {
        switch self {
        case .float64, .float32, .float16, .bfloat16: return true
        default: return false
        }
    }
}

/// A Swift scalar type that maps one-to-one onto a ``DType``.
public protocol TensorScalar: Sendable {
    static var dtype: DType { get }
}

extension Float: TensorScalar { public static var dtype: DType { .float32 } }
extension Double: TensorScalar { public static var dtype: DType { .float64 } }
extension Float16: TensorScalar { public static var dtype: DType { .float16 } }
extension Int64: TensorScalar { public static var dtype: DType { .int64 } }
extension Int32: TensorScalar { public static var dtype: DType { .int32 } }
extension Int16: TensorScalar { public static var dtype: DType { .int16 } }
extension Int8: TensorScalar { public static var dtype: DType { .int8 } }
extension UInt8: TensorScalar { public static var dtype: DType { .uint8 } }
extension UInt16: TensorScalar { public static var dtype: DType { .uint16 } }
extension UInt32: TensorScalar { public static var dtype: DType { .uint32 } }
extension UInt64: TensorScalar { public static var dtype: DType { .uint64 } }
extension Bool: TensorScalar { public static var dtype: DType { .bool } }

/// bfloat16 conversions (the type has no Swift scalar; it is stored as its raw 16 bits).
public enum BFloat16Bits {
    /// Widens raw bfloat16 bits to Float exactly.
    @inlinable public static func toFloat(_ bits: UInt16) -> Float {
        Float(bitPattern: UInt32(bits) << 16)
    }
    /// Rounds a Float to bfloat16 bits, round-to-nearest-even, as PyTorch does.
    @inlinable public static func fromFloat(_ value: Float) -> UInt16 {
        if value.isNaN { return 0x7FC0 }
        let bits = value.bitPattern
        let rounding = ((bits >> 16) & 1) &+ 0x7FFF
        return UInt16(truncatingIfNeeded: (bits &+ rounding) >> 16)
    }
}
