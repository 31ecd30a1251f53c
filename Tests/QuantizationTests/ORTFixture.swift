import Foundation
import NN
import ONNX
import TensorCore
import Quantization

/// One `Tools/make_quant_fixtures.py` result: what ORT's `quantize_static` produced.
struct ORTFixture {
    struct NodeRecord: Hashable {
        var name: String, op: String, inputs: [String], outputs: [String], axis: Int?
    }
    struct InitializerRecord {
        var dtype: String, shape: [Int], data: [Double]
    }
    var nodes: [NodeRecord]
    var initializers: [String: InitializerRecord]
    var ranges: [String: TensorRange]

    static var directory: URL {
        Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("quant")
    }

    init(_ name: String) throws {
        let data = try Data(contentsOf: Self.directory.appendingPathComponent(name + ".json"))
        let json = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        nodes = (json["nodes"] as! [[String: Any]]).map {
            NodeRecord(name: $0["name"] as! String, op: $0["op"] as! String, inputs: $0["inputs"] as! [String],
                       outputs: $0["outputs"] as! [String], axis: $0["axis"] as? Int)
        }
        initializers = (json["initializers"] as! [String: [String: Any]]).mapValues {
            InitializerRecord(dtype: $0["dtype"] as! String, shape: $0["shape"] as! [Int],
                              data: ($0["data"] as! [NSNumber]).map(\.doubleValue))
        }
        ranges = (json["ranges"] as! [String: [Double]]).mapValues { TensorRange(min: Float($0[0]), max: Float($0[1])) }
    }

    static func fp32Graph(_ model: String) throws -> Graph {
        try ONNXReader.read(directory.appendingPathComponent(model + "_fp32.onnx"))
    }

    /// Calibration clips `[N, 1, 3, T, H, W]` as N tensors `[1, 3, T, H, W]`.
    static func clips(_ model: String) throws -> [Tensor] {
        let meta = try JSONSerialization.jsonObject(
            with: Data(contentsOf: directory.appendingPathComponent(model + "_clips.json"))) as! [String: Any]
        let shape = meta["shape"] as! [Int]
        let raw = try Data(contentsOf: directory.appendingPathComponent(model + "_clips.bin"))
        let floats: [Float] = raw.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        let per = shape.dropFirst().reduce(1, *)
        return (0..<shape[0]).map { Tensor(shape: Array(shape.dropFirst()), scalars: Array(floats[$0 * per..<($0 + 1) * per])) }
    }

    /// The node set with what our IR cannot hold removed: `Constant` nodes and the constant
    /// shape operand of Reshape (an attribute in the IR).
    var comparableNodes: Set<NodeRecord> {
        let constants = Set(nodes.filter { $0.op == "Constant" }.flatMap(\.outputs))
        return Set(nodes.filter { $0.op != "Constant" }.map { n in
            var n = n
            n.inputs = n.inputs.filter { !constants.contains($0) }
            if n.op != "QuantizeLinear" && n.op != "DequantizeLinear" { n.axis = nil }
            return n
        })
    }

    /// Our graph's nodes in the same form (axis only for per-axis Q/DQ, as ORT writes it).
    static func records(_ g: Graph) -> Set<NodeRecord> {
        Set(g.nodes.map { n in
            var axis: Int? = nil
            switch n.op {
            case .quantizeLinear(let a), .dequantizeLinear(let a):
                let scale = g.initializers[n.inputs[1]]
                if let scale, scale.rank == 1, scale.elementCount > 1 || n.inputs[0].hasSuffix("weight_quantized") || isPerChannelWeight(n, g) { axis = a }
            default: break
            }
            return NodeRecord(name: n.name, op: n.op.name, inputs: n.inputs, outputs: n.outputs, axis: axis)
        })
    }

    /// A weight DequantizeLinear with a one-element `[1]` scale is still per-channel (axis written).
    private static func isPerChannelWeight(_ n: Node, _ g: Graph) -> Bool {
        guard case .dequantizeLinear = n.op, let zp = g.initializers[n.inputs[2]] else { return false }
        return zp.rank == 1 && zp.dtype != .int32
    }
}
