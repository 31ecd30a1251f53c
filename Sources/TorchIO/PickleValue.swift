import TensorCore

/// A value decoded from (or to be encoded into) a PyTorch pickle. Inert data only: nothing in a
/// file is ever called. Dicts keep insertion order, as Python's do.
public indirect enum PickleValue: Sendable, Equatable {
    case none
    case bool(Bool)
    case int(Int64)
    /// An integer that does not fit in 64 bits (LONG1/LONG4), little-endian two's complement.
    case bigInt([UInt8])
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case list([PickleValue])
    case tuple([PickleValue])
    /// An ordered dict (`dict` or `collections.OrderedDict`).
    case dict([PickleDictEntry])
    case set([PickleValue])
    case tensor(Tensor)
    /// A global that is not on the allow-list, kept inert when the caller opted in
    /// (`LoadOptions.keepUnknownGlobals`): its dotted name and the arguments it would have got.
    case opaque(global: String, arguments: [PickleValue])
}

/// One key/value pair of a ``PickleValue/dict(_:)``.
public struct PickleDictEntry: Sendable, Equatable {
    public var key: PickleValue
    public var value: PickleValue
    public init(key: PickleValue, value: PickleValue) {
        self.key = key
        self.value = value
    }
}
