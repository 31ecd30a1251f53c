// libFuzzer harness: the pickle VM of TorchIO on arbitrary bytes (no zip around it), with a
// persistent-id loader that hands out small byte storages, then TensorRebuild on the result.
import Foundation
import TensorCore
@testable import TorchIO

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    for keep in [false, true] {
        var unpickler = Unpickler(
            bytes: bytes, path: "fuzz.pkl", record: "data.pkl", options: LoadOptions(keepUnknownGlobals: keep))
        var storages: [String: StorageReference] = [:]
        unpickler.persistentLoad = { pid in
            let (key, dtype, location, count) = try TorchFile.storageID(pid, path: "fuzz.pkl")
            if let cached = storages[key] { return .storage(cached) }
            // Bounded like a real zip record: at most 4 KiB of payload.
            guard count * dtype.byteWidth <= 4096 else {
                throw TorchIOError.corrupt("fuzz.pkl", "storage too large for the harness")
            }
            let ref = StorageReference(key: key, dtype: dtype, location: location, count: count)
            ref.data = TensorStorage(zeroedByteCount: count * dtype.byteWidth)
            storages[key] = ref
            return .storage(ref)
        }
        defer { unpickler.dismantle() }
        do {
            let object = try unpickler.run()
            _ = try TensorRebuild(path: "fuzz.pkl").value(object)
        } catch { checkUserFacing(error) }
    }
    return 0
}
