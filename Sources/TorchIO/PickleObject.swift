import TensorCore

/// What the unpickler's stack holds while a pickle runs. Containers are boxes because pickles
/// memoize a container before filling it (`EMPTY_DICT BINPUT 0 MARK … SETITEMS`), so every
/// reference must see the same, later-filled object.
indirect enum PickleObject {
    case value(PickleValue)
    case list(ListBox)
    case dict(DictBox)
    case set(SetBox)
    /// Tuples are boxes too, so that teardown can empty them in place (see `Unpickler.dismantle`).
    case tupleBox(TupleBox)
    /// A global that was looked up (checked against the allow-list) but not yet called.
    case global(String)
    case storage(StorageReference)
    case dtype(DType)
    /// A tensor waiting for its storage data (legacy files store data after the pickle).
    case tensor(TensorSpec)
    case opaque(OpaqueBox)

    final class ListBox: PickleBox {
        var items: [PickleObject] = []
        override func empty() { items = [] }
    }
    final class TupleBox: PickleBox {
        var items: [PickleObject]
        init(_ items: [PickleObject], _ arena: PickleArena) {
            self.items = items
            super.init(arena)
        }
        override func empty() { items = [] }
    }
    final class DictBox: PickleBox {
        var entries: [(PickleObject, PickleObject)] = []
        override func empty() { entries = [] }
    }
    final class SetBox: PickleBox {
        var items: [PickleObject] = []
        var frozen = false
        override func empty() { items = [] }
    }
    final class OpaqueBox: PickleBox {
        let name: String
        var arguments: [PickleObject]
        init(name: String, arguments: [PickleObject], _ arena: PickleArena) {
            self.name = name
            self.arguments = arguments
            super.init(arena)
        }
        override func empty() { arguments = [] }
    }

    static func tuple(_ items: [PickleObject], _ arena: PickleArena) -> PickleObject {
        .tupleBox(TupleBox(items, arena))
    }

    /// The items when this is a tuple.
    var tupleItems: [PickleObject]? {
        if case .tupleBox(let box) = self { return box.items }
        return nil
    }
}

/// A container made while a pickle runs; registered in the run's ``PickleArena``.
class PickleBox {
    init(_ arena: PickleArena) { arena.register(self) }
    /// Drops the references this box holds.
    func empty() {}
}

/// Every container a pickle run creates. A hostile pickle can nest containers a million levels
/// deep; releasing such a chain recursively would overflow the stack. ``dismantle()`` empties all
/// boxes first (each stays alive in `boxes` meanwhile), so no release ever recurses.
final class PickleArena {
    private var boxes: [PickleBox] = []
    func register(_ box: PickleBox) { boxes.append(box) }
    /// Call once the run's result has been converted to ``PickleValue`` (or on error).
    func dismantle() {
        for box in boxes { box.empty() }
        boxes = []
    }
}

/// A storage named by a persistent id: `('storage', torch.FloatStorage, '0', 'cpu', numel)`.
/// Shared by every view of it; the data is attached when it is known.
final class StorageReference {
    let key: String
    let dtype: DType
    let location: String
    /// Elements (bytes for `UntypedStorage`).
    let count: Int
    var data: TensorStorage?
    /// The file is big-endian and these bytes have not been swapped yet (done once, on first use,
    /// when the element type is known: untyped storages learn it from the tensor).
    var byteSwapPending = false
    /// Legacy view storages: the root storage and the element offset inside it.
    var root: StorageReference?
    var rootOffset: Int = 0

    init(key: String, dtype: DType, location: String, count: Int) {
        self.key = key
        self.dtype = dtype
        self.location = location
        self.count = count
    }
}

/// `_rebuild_tensor_v2(storage, offset, size, stride, …)` before the tensor is materialised.
struct TensorSpec {
    var storage: StorageReference
    var dtype: DType
    /// In elements of `dtype`.
    var offset: Int
    var shape: [Int]
    var strides: [Int]
}
