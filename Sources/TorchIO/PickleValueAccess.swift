import TensorCore

extension PickleValue {
    /// The value stored under a string key when this is a dict; nil otherwise.
    public subscript(key: String) -> PickleValue? {
        guard case .dict(let entries) = self else { return nil }
        for entry in entries { if case .string(key) = entry.key { return entry.value } }
        return nil
    }

    /// The tensor, when this value is one.
    public var tensor: Tensor? {
        if case .tensor(let t) = self { return t }
        return nil
    }

    /// An ordered dict with string keys (written as `collections.OrderedDict` when every value is a
    /// tensor, as `state_dict()` is).
    public static func stringDict(_ pairs: [(String, PickleValue)]) -> PickleValue {
        .dict(pairs.map { PickleDictEntry(key: .string($0.0), value: $0.1) })
    }

    /// The string, when this value is one.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The integer, when this value is one (bools count as 0/1, as in Python).
    public var intValue: Int? {
        switch self {
        case .int(let i): return Int(i)
        case .bool(let b): return b ? 1 : 0
        case .tensor(let t)
        where t.elementCount == 1 && !t.dtype.isFloatingPoint && t.dtype != .complex64
            && t.dtype != .complex128:
            return Int(t.doubleValues()[0])
        default: return nil
        }
    }

    /// The number, when this value is a float, an int or a one-element real tensor.
    public var doubleValue: Double? {
        switch self {
        case .float(let d): return d
        case .int(let i): return Double(i)
        case .tensor(let t) where t.elementCount == 1 && t.dtype != .complex64 && t.dtype != .complex128:
            return t.doubleValues()[0]
        default: return nil
        }
    }

    /// Entries of a dict (empty for other values).
    public var dictEntries: [PickleDictEntry] {
        if case .dict(let e) = self { return e }
        return []
    }
}
