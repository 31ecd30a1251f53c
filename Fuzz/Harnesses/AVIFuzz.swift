// libFuzzer harness: the AVI reader (RIFF headers, stream headers, idx1/OpenDML index,
// frame reads) on arbitrary file contents.
import Foundation
import RPPG
import TensorCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let url = FuzzInput.file(data, size, suffix: ".avi")
    do {
        let reader = try AVIReader(url: url)
        let n = reader.frameCount
        for i in [0, 1, n / 2, n - 1] where i >= 0 && i < n {
            _ = try reader.readFrame(i)
        }
    } catch { checkUserFacing(error) }
    return 0
}
