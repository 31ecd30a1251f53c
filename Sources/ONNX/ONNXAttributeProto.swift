/// `onnx.AttributeProto`: a named attribute of a node.
public struct ONNXAttributeProto: Equatable, Sendable {
    /// `AttributeProto.AttributeType` values.
    public enum Kind: Int64, Sendable {
        case undefined = 0, float = 1, int = 2, string = 3, tensor = 4, graph = 5
        case floats = 6, ints = 7, strings = 8, tensors = 9, graphs = 10
    }

    public var name = ""
    public var f: Float = 0
    public var i: Int64 = 0
    public var s: [UInt8] = []
    public var t: ONNXTensorProto?
    /// Subgraph (`g`); kept in an array because a struct cannot hold itself directly.
    public var graphs: [ONNXGraphProto] = []
    public var floats: [Float] = []
    public var ints: [Int64] = []
    public var strings: [[UInt8]] = []
    public var tensors: [ONNXTensorProto] = []
    /// Raw `type` field; see ``kind``.
    public var type: Int64 = 0

    public init() {}

    /// The attribute type, `.undefined` for values this codec does not know.
    public var kind: Kind { Kind(rawValue: type) ?? .undefined }

    /// An INT attribute.
    public static func int(_ name: String, _ value: Int) -> Self {
        var a = Self(); a.name = name; a.i = Int64(value); a.type = Kind.int.rawValue; return a
    }
    /// A FLOAT attribute.
    public static func float(_ name: String, _ value: Float) -> Self {
        var a = Self(); a.name = name; a.f = value; a.type = Kind.float.rawValue; return a
    }
    /// An INTS attribute.
    public static func ints(_ name: String, _ values: [Int]) -> Self {
        var a = Self(); a.name = name; a.ints = values.map(Int64.init); a.type = Kind.ints.rawValue; return a
    }
    /// A TENSOR attribute.
    public static func tensor(_ name: String, _ value: ONNXTensorProto) -> Self {
        var a = Self(); a.name = name; a.t = value; a.type = Kind.tensor.rawValue; return a
    }

    init(from r: inout ProtobufReader) throws {
        while !r.isAtEnd {
            let (field, wire) = try r.readTag()
            switch (field, wire) {
            case (1, .lengthDelimited): name = try r.readString()
            case (2, .fixed32): f = Float(bitPattern: try r.readFixed32())
            case (3, .varint): i = Int64(bitPattern: try r.readVarint())
            case (4, .lengthDelimited): s = try r.readBytes()
            case (5, .lengthDelimited):
                var sub = try r.readMessage()
                t = try ONNXTensorProto(from: &sub)
            case (6, .lengthDelimited):
                var sub = try r.readMessage()
                graphs = [try ONNXGraphProto(from: &sub)]
            case (7, _): try r.readFloats(wire, into: &floats)
            case (8, _): try r.readInt64s(wire, into: &ints)
            case (9, .lengthDelimited): strings.append(try r.readBytes())
            case (10, .lengthDelimited):
                var sub = try r.readMessage()
                tensors.append(try ONNXTensorProto(from: &sub))
            case (11, .lengthDelimited):
                var sub = try r.readMessage()
                graphs.append(try ONNXGraphProto(from: &sub))
            case (20, .varint): type = Int64(bitPattern: try r.readVarint())
            default: try r.skip(wire)
            }
        }
    }

    func encode(to w: inout ProtobufWriter) {
        w.writeString(1, name)
        switch kind {
        case .float: w.writeFloat(2, f)
        case .int: w.writeInt(3, i)
        case .string: w.writeBytes(4, s)
        case .tensor: if let t { w.writeMessage(5) { t.encode(to: &$0) } }
        case .graph: if let g = graphs.first { w.writeMessage(6) { g.encode(to: &$0) } }
        case .floats: w.writeUnpackedFloats(7, floats)
        case .ints: w.writeUnpackedInts(8, ints)
        case .strings: for s in strings { w.writeBytes(9, s) }
        case .tensors: for t in tensors { w.writeMessage(10) { t.encode(to: &$0) } }
        case .graphs: for g in graphs { w.writeMessage(11) { g.encode(to: &$0) } }
        case .undefined: break
        }
        w.writeInt(20, type)
    }
}
