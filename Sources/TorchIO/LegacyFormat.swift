import Foundation
import TensorCore

/// The pre-1.6 format: five pickles in a row (magic number, protocol version, sys_info, the
/// object, the storage keys), then each storage as an int64 element count and its raw bytes.
/// Read only; ``TorchFile/save(_:to:)`` always writes the zip format.
enum LegacyFormat {
    static let magic: [UInt8] = [0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19]  // 0x1950a86a20f9469cfc6c

    static func read(_ file: MappedFile, options: LoadOptions) throws -> TorchFileContents {
        let all = try file.bytes(0, file.count, "the file")
        // Every unpickler's objects are released iteratively once the value is built (or on error),
        // see Unpickler.dismantle.
        var finished: [Unpickler] = []
        defer { for var u in finished { u.dismantle() } }
        func pickle(at start: Int, _ name: String, _ load: ((PickleObject) throws -> PickleObject)? = nil)
            throws -> (PickleObject, Int)
        {
            var u = Unpickler(bytes: all, start: start, path: file.path, record: name, options: options)
            if let load { u.persistentLoad = load }
            finished.append(u)
            let o = try u.run()
            return (o, u.position)
        }
        let (magicObject, p1) = try pickle(at: 0, "magic number")
        guard case .value(.bigInt(let m)) = magicObject, m == magic else {
            throw TorchFile.notRecognised(file.path)
        }
        let (protocolObject, p2) = try pickle(at: p1, "protocol version")
        guard case .value(.int(1001)) = protocolObject else {
            throw TorchIOError(
                path: file.path, problem: "the legacy file has an unsupported protocol version",
                advice: "re-save it with a recent torch.save")
        }
        let (sysInfo, p3) = try pickle(at: p2, "sys_info")
        var littleEndian = true
        if case .dict(let box) = sysInfo {
            for (k, v) in box.entries {
                if case .value(.string("little_endian")) = k, case .value(.bool(let b)) = v {
                    littleEndian = b
                }
            }
        }
        var storages: [String: StorageReference] = [:]
        var views: [StorageReference] = []
        let (object, p4) = try pickle(at: p3, "the object") { pid in
            let (key, dtype, location, count) = try TorchFile.storageID(pid, path: file.path)
            let root: StorageReference
            if let cached = storages[key] {
                root = cached
            } else {
                root = StorageReference(key: key, dtype: dtype, location: location, count: count)
                storages[key] = root
            }
            // view_metadata: (view_key, offset, view_size) selects part of the root storage.
            if let t = pid.tupleItems, t.count >= 6, let view = t[5].tupleItems, view.count == 3,
                case .value(.int(let offset)) = view[1], case .value(.int(let size)) = view[2], offset >= 0,
                size >= 0
            {
                let v = StorageReference(key: key, dtype: dtype, location: location, count: Int(size))
                v.root = root
                v.rootOffset = Int(offset)
                views.append(v)
                return .storage(v)
            }
            return .storage(root)
        }
        let (keysObject, p5) = try pickle(at: p4, "the storage keys")
        guard case .list(let keys) = keysObject else {
            throw TorchIOError.corrupt(file.path, "the legacy storage key list is missing")
        }
        var at = p5
        for k in keys.items {
            guard case .value(.string(let key)) = k, let ref = storages[key] else {
                throw TorchIOError.corrupt(file.path, "the legacy storage key list names an unknown storage")
            }
            let header = try file.bytes(at, 8, "the size of storage \(key)")
            let count = Int64(littleEndian: header.loadUnaligned(as: Int64.self))
            let width = ref.dtype.byteWidth
            guard count >= 0, count <= Int64(file.count - at - 8) / Int64(width) else {
                throw TorchIOError.truncated(file.path, "storage \(key)")
            }
            let bytes = try file.bytes(at + 8, Int(count) * width, "storage \(key)")
            // Legacy payloads are not aligned: copy each storage once into aligned memory.
            let storage = TensorStorage(zeroedByteCount: bytes.count)
            if bytes.count > 0 { storage.bytes.copyMemory(from: bytes.baseAddress!, byteCount: bytes.count) }
            if !littleEndian { TensorRebuild.byteSwap(storage, dtype: ref.dtype) }
            ref.data = storage
            at += 8 + bytes.count
        }
        let value = try TensorRebuild(path: file.path).value(object)
        return TorchFileContents(
            value: value, format: .legacy, records: [], byteOrder: littleEndian ? "little" : "big")
    }
}
