import Foundation
import TensorCore

/// How a file is read.
public struct LoadOptions: Sendable {
    /// Keep globals that are not on the allow-list as inert ``PickleValue/opaque(global:arguments:)``
    /// values instead of rejecting the file. They are never called.
    public var keepUnknownGlobals: Bool
    public init(keepUnknownGlobals: Bool = false) { self.keepUnknownGlobals = keepUnknownGlobals }
}

/// The two container formats of `torch.save`.
public enum TorchFileFormat: String, Sendable, Codable {
    /// The zip format (torch ≥ 1.6).
    case zip
    /// The legacy format: pickles followed by raw storages (torch < 1.6, or `_use_new_zipfile_serialization=False`).
    case legacy
}

/// What a file holds, with the details `rppg inspect` reports.
public struct TorchFileContents: Sendable {
    public var value: PickleValue
    public var format: TorchFileFormat
    /// Zip records as stored (empty for legacy files).
    public var records: [String]
    /// `little` or `big`.
    public var byteOrder: String
}

/// Reads and writes PyTorch `.pt`/`.pth` files without Python.
///
/// ```swift
/// let value = try TorchFile.load(URL(fileURLWithPath: "model.pth"))
/// let weight = value["conv1.weight"]?.tensor
/// try TorchFile.save(value, to: URL(fileURLWithPath: "copy.pt"))
/// ```
public enum TorchFile {
    /// Loads the object saved in a `.pt`/`.pth` file (zip or legacy format). Tensor data is
    /// memory-mapped and borrowed where it is contiguous, so it is not copied.
    public static func load(_ url: URL, options: LoadOptions = LoadOptions()) throws -> PickleValue {
        try read(url, options: options).value
    }

    /// Like ``load(_:options:)``, with the container format and record names.
    public static func read(_ url: URL, options: LoadOptions = LoadOptions()) throws -> TorchFileContents {
        let file = try MappedFile(url: url)
        guard file.count >= 4 else {
            throw TorchIOError(
                path: file.path,
                problem: file.count == 0 ? "the file is empty" : "the file is too short to be a PyTorch file",
                advice: "copy or download the file again")
        }
        let head = try file.bytes(0, 4, "the file header")
        if head[0] == 0x50, head[1] == 0x4B, head[2] == 0x03 || head[2] == 0x05,
            head[3] == 0x04 || head[3] == 0x06
        {
            return try readZip(file, options: options)
        }
        if head[0] == 0x80, head[1] <= 5 {
            return try LegacyFormat.read(file, options: options)
        }
        throw notRecognised(file.path)
    }

    static func notRecognised(_ path: String) -> TorchIOError {
        TorchIOError(
            path: path,
            problem: "this is not a PyTorch checkpoint (neither the zip format nor the legacy pickle format)",
            advice: "pass a file written by torch.save (.pt or .pth)")
    }

    private static func readZip(_ file: MappedFile, options: LoadOptions) throws -> TorchFileContents {
        let archive = try ZipArchive(file: file)
        if file.count >= 32 << 20, Parallel.availableCores > 1 {
            try archive.verifyAll(threads: Parallel.availableCores)
        }
        guard let pickleEntry = archive.entries["data.pkl"] else {
            throw TorchIOError(
                path: file.path,
                problem: "the zip archive has no data.pkl record, so it is not a torch.save file",
                advice: "pass a file written by torch.save (.pt or .pth)")
        }
        var byteOrder = "little"
        if let b = try archive.contents("byteorder") {
            byteOrder = String(
                decoding: UnsafeRawBufferPointer(start: b.bytes, count: b.byteCount), as: UTF8.self
            )
            .trimmingCharacters(in: .whitespacesAndNewlines)
            guard byteOrder == "little" || byteOrder == "big" else {
                throw TorchIOError.corrupt(file.path, "the byteorder record says '\(byteOrder)'")
            }
        }
        let pickle = try archive.storage(pickleEntry)
        var storages: [String: StorageReference] = [:]
        var unpickler = Unpickler(
            bytes: UnsafeRawBufferPointer(start: pickle.bytes, count: pickle.byteCount),
            path: file.path, record: "data.pkl", options: options)
        unpickler.persistentLoad = { pid in
            let (key, dtype, location, count) = try storageID(pid, path: file.path)
            if let cached = storages[key] { return .storage(cached) }
            guard let entry = archive.entries["data/\(key)"] else {
                throw TorchIOError.corrupt(file.path, "storage record data/\(key) is missing")
            }
            let expected = count * dtype.byteWidth
            guard entry.uncompressedSize == expected else {
                throw TorchIOError.corrupt(
                    file.path,
                    "record data/\(key) holds \(entry.uncompressedSize) bytes, the pickle expects \(expected)"
                )
            }
            var data = try archive.storage(entry)
            // Typed access needs element alignment; torch aligns payloads to 64 bytes, other
            // writers may not, and then (only then) the bytes are copied once.
            if Int(bitPattern: data.bytes) % 16 != 0 { data = data.copy() }
            let ref = StorageReference(key: key, dtype: dtype, location: location, count: count)
            ref.data = data
            ref.byteSwapPending = byteOrder == "big"
            storages[key] = ref
            return .storage(ref)
        }
        defer { unpickler.dismantle() }
        let object = try unpickler.run()
        let value = try TensorRebuild(path: file.path).value(object)
        return TorchFileContents(value: value, format: .zip, records: archive.names, byteOrder: byteOrder)
    }

    /// Decodes `('storage', storage_type, key, location, numel[, view_metadata])`.
    static func storageID(_ pid: PickleObject, path: String) throws -> (String, DType, String, Int) {
        guard let t = pid.tupleItems, t.count >= 5, case .value(.string("storage")) = t[0] else {
            throw TorchIOError.corrupt(path, "a persistent id is not a storage")
        }
        let dtype: DType
        switch t[1] {
        case .global(let name):
            let short = String(name.split(separator: ".").last ?? "")
            if short == "UntypedStorage" {
                dtype = .uint8
            } else if let d = PickleCalls.storageTypes[short] {
                dtype = d
            } else {
                throw TorchIOError.corrupt(path, "unknown storage type \(name)")
            }
        case .dtype(let d): dtype = d
        default: throw TorchIOError.corrupt(path, "a storage has no storage type")
        }
        guard case .value(let k) = t[2], case .value(.string(let location)) = t[3],
            case .value(.int(let n)) = t[4],
            n >= 0, n <= Int64(1) << 48
        else {
            throw TorchIOError.corrupt(path, "a storage id is malformed")
        }
        let key: String
        switch k {
        case .string(let s): key = s
        case .int(let i): key = String(i)
        default: throw TorchIOError.corrupt(path, "a storage key is neither a string nor an int")
        }
        return (key, dtype, location, Int(n))
    }
}
