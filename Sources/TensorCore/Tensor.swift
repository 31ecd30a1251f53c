/// A dense, contiguous, row-major n-dimensional array with copy-on-write value semantics.
///
/// ```swift
/// var x = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6] as [Float])
/// x.withUnsafeMutableBufferPointer(of: Float.self) { $0[0] = 10 }
/// let flat: [Float] = x.scalars()
/// ```
public struct Tensor: @unchecked Sendable {
    /// Element type.
    public private(set) var dtype: DType
    /// Dimensions; `[]` for a 0-dim (scalar) tensor.
    public private(set) var shape: [Int]
    @usableFromInline var storage: TensorStorage
    /// Offset of the first element inside `storage`, in bytes (views share storage).
    @usableFromInline var byteOffset: Int

    /// Number of elements (1 for a 0-dim tensor).
    @inlinable public var elementCount: Int { shape.reduce(1, *) }
    /// Bytes occupied by the elements.
    @inlinable public var byteCount: Int { elementCount * dtype.byteWidth }
    /// Number of dimensions.
    @inlinable public var rank: Int { shape.count }

    /// A zero-filled tensor.
    public init(zeros shape: [Int], dtype: DType = .float32) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        self.dtype = dtype
        self.shape = shape
        self.storage = TensorStorage(zeroedByteCount: shape.reduce(1, *) * dtype.byteWidth)
        self.byteOffset = 0
    }

    /// A tensor holding `scalars` (row-major) with the given shape.
    public init<T: TensorScalar>(shape: [Int], scalars: [T]) {
        precondition(
            shape.reduce(1, *) == scalars.count,
            "shape \(shape) needs \(shape.reduce(1, *)) values, got \(scalars.count)")
        self.init(zeros: shape, dtype: T.dtype)
        scalars.withUnsafeBytes { src in
            if src.count > 0 { storage.bytes.copyMemory(from: src.baseAddress!, byteCount: src.count) }
        }
    }

    /// A 0-dim tensor.
    public init<T: TensorScalar>(scalar: T) { self.init(shape: [], scalars: [scalar]) }

    /// Wraps existing storage without copying. `byteOffset + byteCount` must lie inside it.
    public init(storage: TensorStorage, byteOffset: Int = 0, shape: [Int], dtype: DType) {
        let needed = shape.reduce(1, *) * dtype.byteWidth
        precondition(byteOffset >= 0 && byteOffset + needed <= storage.byteCount, "view outside storage")
        self.storage = storage
        self.byteOffset = byteOffset
        self.shape = shape
        self.dtype = dtype
    }

    /// Read-only access to the raw bytes.
    @inlinable public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: storage.bytes + byteOffset, count: byteCount))
    }

    /// Read-only typed access. `T` must match `dtype` (bfloat16 is read as `UInt16`).
    @inlinable public func withUnsafeBufferPointer<T: TensorScalar, R>(
        of type: T.Type, _ body: (UnsafeBufferPointer<T>) throws -> R
    ) rethrows -> R {
        precondition(T.dtype.byteWidth == dtype.byteWidth && (T.dtype == dtype || dtype == .bfloat16),
                     "tensor is \(dtype), accessed as \(T.dtype)")
        let base = (storage.bytes + byteOffset).assumingMemoryBound(to: T.self)
        return try body(UnsafeBufferPointer(start: base, count: elementCount))
    }

    /// Mutable typed access; copies the storage first if it is shared (copy-on-write).
    @inlinable public mutating func withUnsafeMutableBufferPointer<T: TensorScalar, R>(
        of type: T.Type, _ body: (UnsafeMutableBufferPointer<T>) throws -> R
    ) rethrows -> R {
        precondition(T.dtype.byteWidth == dtype.byteWidth && (T.dtype == dtype || dtype == .bfloat16),
                     "tensor is \(dtype), accessed as \(T.dtype)")
        makeUnique()
        let base = (storage.bytes + byteOffset).assumingMemoryBound(to: T.self)
        return try body(UnsafeMutableBufferPointer(start: base, count: elementCount))
    }

    /// Mutable raw access; copies the storage first if it is shared.
    @inlinable public mutating func withUnsafeMutableBytes<R>(
        _ body: (UnsafeMutableRawBufferPointer) throws -> R
    ) rethrows -> R {
        makeUnique()
        return try body(UnsafeMutableRawBufferPointer(start: storage.bytes + byteOffset, count: byteCount))
    }

    @usableFromInline mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) || byteOffset != 0 || storage.byteCount != byteCount {
            let fresh = TensorStorage(zeroedByteCount: byteCount)
            if byteCount > 0 { fresh.bytes.copyMemory(from: storage.bytes + byteOffset, byteCount: byteCount) }
            storage = fresh
            byteOffset = 0
        }
    }

    /// The elements as a Swift array. `T` must match `dtype`.
    public func scalars<T: TensorScalar>(as type: T.Type = T.self) -> [T] {
        withUnsafeBufferPointer(of: T.self) { Array($0) }
    }

    /// Same elements, new shape (no copy). The element count must not change.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        precondition(newShape.reduce(1, *) == elementCount, "cannot reshape \(shape) to \(newShape)")
        var copy = self
        copy.shape = newShape
        return copy
    }

    /// True when both tensors share the same bytes (a view of one another).
    public func sharesStorage(with other: Tensor) -> Bool { storage === other.storage }
}

extension Tensor: Equatable {
    /// Equal when dtype, shape and bytes are equal (bitwise: NaN payloads compare as bytes).
    public static func == (lhs: Tensor, rhs: Tensor) -> Bool {
        guard lhs.dtype == rhs.dtype, lhs.shape == rhs.shape else { return false }
        return lhs.withUnsafeBytes { a in rhs.withUnsafeBytes { b in a.elementsEqual(b) } }
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String { "Tensor<\(dtype.rawValue)>\(shape)" }
}
