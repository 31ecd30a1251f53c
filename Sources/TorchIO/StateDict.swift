import TensorCore

/// Ordered (key, tensor) pairs, as PyTorch's `module.state_dict()` returns them.
///
/// ```swift
/// let sd = try Checkpoint.load(url).stateDict
/// let w = sd["conv1.weight"]            // Tensor?
/// ```
public struct StateDict: Sendable {
    public var entries: [(key: String, tensor: Tensor)]

    public init(_ entries: [(key: String, tensor: Tensor)]) { self.entries = entries }

    /// The tensor stored under `key`.
    public subscript(key: String) -> Tensor? {
        entries.first { $0.key == key }?.tensor
    }

    /// Keys in order.
    public var keys: [String] { entries.map(\.key) }

    /// An `OrderedDict` of tensors, ready for ``TorchFile/save(_:to:)``.
    public var pickleValue: PickleValue { .stringDict(entries.map { ($0.key, .tensor($0.tensor)) }) }

    /// Total number of elements of all tensors.
    public var parameterCount: Int { entries.reduce(0) { $0 + $1.tensor.elementCount } }

    /// A state dict from a non-empty dict whose keys are strings and values all tensors (`_metadata`
    /// is an attribute, not an entry, so plain `state_dict()` files qualify); nil otherwise.
    public init?(_ value: PickleValue) {
        guard case .dict(let items) = value, !items.isEmpty else { return nil }
        var out: [(key: String, tensor: Tensor)] = []
        for item in items {
            guard case .string(let k) = item.key else { return nil }
            if case .tensor(let t) = item.value { out.append((k, t)) } else { return nil }
        }
        self.entries = out
    }

    /// The common `prefix` of every key (e.g. `module.` from `nn.DataParallel`), removed; nil when
    /// not every key has it.
    public func strippingPrefix(_ prefix: String) -> StateDict? {
        guard !entries.isEmpty, entries.allSatisfy({ $0.key.hasPrefix(prefix) }) else { return nil }
        return StateDict(entries.map { (String($0.key.dropFirst(prefix.count)), $0.tensor) })
    }
}
