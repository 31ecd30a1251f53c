import Foundation
import NN
import TensorCore

/// The PyTorch fixtures made by Tools/make_training_fixtures.py: a JSON index whose tensors
/// point into a float32 blob as {shape, offset, count}.
struct TrainingFixtures {
    let json: [String: Any]
    let blob: [Float]

    static let shared: TrainingFixtures = {
        let dir = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!
        let data = try! Data(contentsOf: dir.appendingPathComponent("training.json"))
        let json = try! JSONSerialization.jsonObject(with: data) as! [String: Any]
        let raw = try! Data(contentsOf: dir.appendingPathComponent("training.bin"))
        let blob = raw.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        return TrainingFixtures(json: json, blob: blob)
    }()

    func tensor(_ ref: Any?) -> Tensor? {
        guard let d = ref as? [String: Any], let shape = d["shape"] as? [Int], let off = d["offset"] as? Int,
              let count = d["count"] as? Int else { return nil }
        return Tensor(shape: shape, scalars: Array(blob[off..<(off + count)]))
    }
}

/// max |a − b| / max |b|: the relative error measure used throughout the fixture tests.
func relativeError(_ a: Tensor, _ b: Tensor) -> Float {
    let x = a.floatValues(), y = b.floatValues()
    precondition(x.count == y.count, "\(a.shape) vs \(b.shape)")
    var diff: Float = 0, scale: Float = 0
    for i in x.indices { diff = max(diff, abs(x[i] - y[i])); scale = max(scale, abs(y[i])) }
    return scale == 0 ? diff : diff / scale
}

/// TinyPulse (issue 3's definition) traced into the graph IR by hand, so that the training tests
/// do not depend on the model zoo. Parameter keys are PyTorch's.
enum TinyPulseGraph {
    static let shapes: [(key: String, shape: [Int])] = [
        ("stem.0.weight", [8, 3, 1, 5, 5]),
        ("stem.1.weight", [8]), ("stem.1.bias", [8]), ("stem.1.running_mean", [8]), ("stem.1.running_var", [8]),
        ("stem.1.num_batches_tracked", []),
        ("block2.0.weight", [16, 8, 3, 3, 3]),
        ("block2.1.weight", [16]), ("block2.1.bias", [16]), ("block2.1.running_mean", [16]), ("block2.1.running_var", [16]),
        ("block2.1.num_batches_tracked", []),
        ("block3.0.weight", [32, 16, 3, 3, 3]),
        ("block3.1.weight", [32]), ("block3.1.bias", [32]), ("block3.1.running_mean", [32]), ("block3.1.running_var", [32]),
        ("block3.1.num_batches_tracked", []),
        ("head.weight", [1, 32, 1, 1, 1]), ("head.bias", [1]),
    ]

    static func make(batch: Int, frames: Int, initializers: [String: Tensor]) -> Graph {
        var nodes: [Node] = []
        func block(_ name: String, _ input: String, kernel: [Int], pad: [Int]) -> String {
            nodes.append(Node(name: "\(name).conv", op: .conv(ConvAttributes(kernel: kernel, padsBegin: pad)),
                              inputs: [input, "\(name).0.weight"], outputs: ["\(name).c"]))
            nodes.append(Node(name: "\(name).bn", op: .batchNorm(epsilon: 1e-5),
                              inputs: ["\(name).c", "\(name).1.weight", "\(name).1.bias", "\(name).1.running_mean",
                                       "\(name).1.running_var"], outputs: ["\(name).b"]))
            nodes.append(Node(name: "\(name).relu", op: .relu, inputs: ["\(name).b"], outputs: ["\(name).r"]))
            return "\(name).r"
        }
        let pool = PoolAttributes(kernel: [1, 2, 2], countIncludePad: true)
        var h = block("stem", "input", kernel: [1, 5, 5], pad: [0, 2, 2])
        nodes.append(Node(name: "pool1", op: .avgPool(pool), inputs: [h], outputs: ["p1"]))
        h = block("block2", "p1", kernel: [3, 3, 3], pad: [1, 1, 1])
        nodes.append(Node(name: "pool2", op: .avgPool(pool), inputs: [h], outputs: ["p2"]))
        h = block("block3", "p2", kernel: [3, 3, 3], pad: [1, 1, 1])
        nodes.append(Node(name: "mean", op: .reduceMean(axes: [3, 4], keepDims: true), inputs: [h], outputs: ["m"]))
        nodes.append(Node(name: "head", op: .conv(ConvAttributes(kernel: [1, 1, 1])), inputs: ["m", "head.weight", "head.bias"],
                          outputs: ["h"]))
        nodes.append(Node(name: "flat", op: .reshape(shape: [batch, frames]), inputs: ["h"], outputs: ["output"]))
        return Graph(name: "tinypulse", nodes: nodes, inputs: [ValueInfo(name: "input", shape: [batch, 3, frames, 36, 36])],
                     outputs: [ValueInfo(name: "output", shape: [batch, frames])], initializers: initializers)
    }
}
