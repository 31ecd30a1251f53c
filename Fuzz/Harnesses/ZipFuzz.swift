// libFuzzer harness: the zip reader of TorchIO (central directory, ZIP64, local headers,
// STORED/DEFLATE payloads, CRC32) on arbitrary bytes.
import Foundation
import TensorCore
@testable import TorchIO

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let url = FuzzInput.file(data, size, suffix: ".zip")
    do {
        let archive = try ZipArchive(file: try MappedFile(url: url))
        for name in archive.names.prefix(64) {
            let key = ZipArchive.stripTopFolder(name)
            if let entry = archive.entries[key] { _ = try? archive.storage(entry) }
        }
        try archive.verifyAll(threads: 1)
    } catch { checkUserFacing(error) }
    return 0
}
