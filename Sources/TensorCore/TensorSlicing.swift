extension Tensor {
    /// Items `range` along the first axis, as a view sharing this tensor's bytes (no copy).
    /// `clips.batch(3..<4)` of a `[N, 3, T, H, W]` tensor is the `[1, 3, T, H, W]` fourth clip.
    public func batch(_ range: Range<Int>) -> Tensor {
        precondition(rank >= 1 && range.lowerBound >= 0 && range.upperBound <= shape[0], "batch \(range) outside \(shape)")
        let itemBytes = shape.dropFirst().reduce(1, *) * dtype.byteWidth
        return Tensor(storage: storage, byteOffset: byteOffset + range.lowerBound * itemBytes,
                      shape: [range.count] + shape.dropFirst(), dtype: dtype)
    }

    /// Concatenates tensors of equal trailing shape and dtype along a new-or-first axis:
    /// `[a, b]` of shape `[1, 3, T]` each gives `[2, 3, T]`.
    public init(concatenatingBatches parts: [Tensor]) {
        precondition(!parts.isEmpty, "nothing to concatenate")
        let trailing = Array(parts[0].shape.dropFirst())
        let dtype = parts[0].dtype
        precondition(parts.allSatisfy { Array($0.shape.dropFirst()) == trailing && $0.dtype == dtype },
                     "concatenated tensors differ in trailing shape or dtype")
        let count = parts.reduce(0) { $0 + ($1.shape.first ?? 1) }
        self.init(zeros: [count] + trailing, dtype: dtype)
        var offset = 0
        let base = storage.bytes
        for part in parts {
            part.withUnsafeBytes { src in
                if src.count > 0 { (base + offset).copyMemory(from: src.baseAddress!, byteCount: src.count) }
                offset += src.count
            }
        }
    }
}
