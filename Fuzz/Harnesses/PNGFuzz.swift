// libFuzzer harness: the PNG reader (chunks, CRCs, IHDR bounds, zlib inflate, row filters) on
// arbitrary bytes; every failure must be a user-facing PNGError.
import RPPG
import TensorCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    do {
        let frame = try PNGReader.decode(bytes, path: "fuzz.png")
        precondition(frame.rgb.count == frame.width * frame.height * 3)
    } catch { checkUserFacing(error) }
    return 0
}
