import Foundation
import TensorCore
import TorchIO

/// Times `TorchFile.load` on one file (used by `rppg bench-load` and Tools/bench_torchio_load.py).
public enum LoadBenchmark {
    public struct Result: Codable, Sendable {
        /// Wall time of each load, in seconds (the first is the one that maps the file).
        public var seconds: [Double]
        public var tensors: Int
        public var tensorBytes: Int
        /// Sum of the bit patterns (as Int32) of every float32 element: an exact checksum to compare
        /// with torch's `v.view(torch.int32).long().sum()`.
        public var float32BitSum: Int64
    }

    public static func run(_ url: URL, repeats: Int = 1) throws -> Result {
        var seconds: [Double] = []
        var last = PickleValue.none
        for _ in 0..<max(repeats, 1) {
            last = .none
            let start = DispatchTime.now().uptimeNanoseconds
            last = try TorchFile.load(url)
            seconds.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        var tensors = 0
        var bytes = 0
        var sum: Int64 = 0
        func walk(_ v: PickleValue) {
            switch v {
            case .tensor(let t):
                tensors += 1
                bytes += t.byteCount
                if t.dtype == .float32 {
                    t.withUnsafeBufferPointer(of: Float.self) {
                        for x in $0 { sum &+= Int64(Int32(bitPattern: x.bitPattern)) }
                    }
                }
            case .dict(let e): e.forEach { walk($0.value) }
            case .list(let x), .tuple(let x), .set(let x): x.forEach(walk)
            default: break
            }
        }
        walk(last)
        return Result(seconds: seconds, tensors: tensors, tensorBytes: bytes, float32BitSum: sum)
    }
}
