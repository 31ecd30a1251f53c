// libFuzzer harness: the protobuf decoder and ONNX reader (ModelProto → Graph IR) on
// arbitrary bytes.
import Foundation
import NN
import ONNX
import TensorCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Data(bytes: data, count: size)
    do {
        let graph = try ONNXReader.decode(bytes, source: "fuzz.onnx")
        _ = graph.nodes.count
    } catch { checkUserFacing(error) }
    return 0
}
