// libFuzzer harness: the Haar cascade XML reader (XML subset parser + OpenCV cascade schema).
import Foundation
import RPPG
import TensorCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    do {
        let cascade = try HaarCascade.parse(xml: Array(UnsafeBufferPointer(start: data, count: size)), path: "fuzz.xml")
        // A cascade that parses must be usable on a small image without trapping.
        if cascade.windowWidth <= 64, cascade.windowHeight <= 64 {
            let image = GrayImage(width: 48, height: 48, pixels: [UInt8](repeating: 128, count: 48 * 48))
            _ = HaarDetector(cascade: cascade).detect(image)
        }
    } catch { checkUserFacing(error) }
    return 0
}
