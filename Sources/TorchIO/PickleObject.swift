import TensorCore

/// What the unpickler's stack holds while a pickle runs. Containers are boxes because pickles
/// memoize a container before filling it (`EMPTY_DICT BINPUT 0 MARK … SETITEMS`), so every
/// reference must see the same, later-filled object.
indirect enum PickleObject {
    case value(PickleValue)
    case list(ListBox)
    case dict(DictBox)
    case set(SetBox)
    case tuple([PickleObject])
    /// A global that was looked up (checked against the allow-list) but not yet called.
    case global(String)
    case storage(StorageReference)
    case dtype(DType)
    /// A tensor waiting for its storage data (legacy files store data after the pickle).
    case tensor(TensorSpec)
    case opaque(OpaqueBox)

    final class ListBox { var items: [PickleObject] = [] }
    final class DictBox { var entries: [(PickleObject, PickleObject)] = [] }
    final class SetBox { var items: [PickleObject] = []; var frozen = false }
    final class OpaqueBox {
        let name: String
        var arguments: [PickleObject]
        init(name: String, arguments: [PickleObject]) {
            self.name = name
            self.arguments = arguments
        }
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
