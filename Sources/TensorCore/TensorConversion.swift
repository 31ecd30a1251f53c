extension Tensor {
    /// The elements widened to Double, whatever the dtype (complex: real parts are not
    /// meaningful alone, so complex tensors are rejected).
    public func doubleValues() -> [Double] {
        withUnsafeBytes { raw in
            let n = elementCount
            func load<T>(_: T.Type, _ f: (T) -> Double) -> [Double] {
                let p = raw.bindMemory(to: T.self)
                return (0..<n).map { f(p[$0]) }
            }
            switch dtype {
            case .float64: return load(Double.self) { $0 }
            case .float32: return load(Float.self) { Double($0) }
            case .float16: return load(Float16.self) { Double($0) }
            case .bfloat16: return load(UInt16.self) { Double(BFloat16Bits.toFloat($0)) }
            case .int64: return load(Int64.self) { Double($0) }
            case .int32: return load(Int32.self) { Double($0) }
            case .int16: return load(Int16.self) { Double($0) }
            case .int8: return load(Int8.self) { Double($0) }
            case .uint8: return load(UInt8.self) { Double($0) }
            case .uint16: return load(UInt16.self) { Double($0) }
            case .uint32: return load(UInt32.self) { Double($0) }
            case .uint64: return load(UInt64.self) { Double($0) }
            case .bool: return load(UInt8.self) { $0 != 0 ? 1 : 0 }
            case .complex64, .complex128: preconditionFailure("complex tensor has no real values")
            }
        }
    }

    /// A float32 copy (or self when already float32). Integers and halves convert exactly
    /// where float32 can represent them.
    public func toFloat32() -> Tensor {
        if dtype == .float32 { return self }
        return Tensor(shape: shape, scalars: doubleValues().map { Float($0) })
    }

    /// Float32 elements as an array, converting other real dtypes.
    public func floatValues() -> [Float] {
        dtype == .float32 ? scalars(as: Float.self) : doubleValues().map { Float($0) }
    }
}
