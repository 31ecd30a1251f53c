// libFuzzer harness: the full .pth loader (zip or legacy format → pickle → tensors →
// Checkpoint) on arbitrary file contents.
import Foundation
import TensorCore
import TorchIO

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let url = FuzzInput.file(data, size, suffix: ".pth")
    do {
        let checkpoint = try Checkpoint.load(url)
        for (_, t) in checkpoint.stateDict.entries.prefix(16) { _ = t.shape; _ = t.dtype }
    } catch { checkUserFacing(error) }
    return 0
}
