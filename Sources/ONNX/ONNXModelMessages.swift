/// `onnx.ModelProto`: the top-level message of an `.onnx` file (field numbers: REFERENCE §5).
public struct ONNXModelProto: Equatable, Sendable {
    public var irVersion: Int64 = 0
    public var producerName = ""
    public var producerVersion = ""
    public var domain = ""
    public var modelVersion: Int64 = 0
    public var docString = ""
    public var graph: ONNXGraphProto?
    public var opsetImport: [ONNXOperatorSetIdProto] = []
    public var metadataProps: [ONNXStringStringEntryProto] = []

    public init() {}

    /// Decodes a whole file's bytes.
    public init(serialized bytes: [UInt8]) throws {
        var r = ProtobufReader(bytes)
        try self.init(from: &r)
    }

    init(from r: inout ProtobufReader) throws {
        while !r.isAtEnd {
            let (field, wire) = try r.readTag()
            switch (field, wire) {
            case (1, .varint): irVersion = Int64(bitPattern: try r.readVarint())
            case (2, .lengthDelimited): producerName = try r.readString()
            case (3, .lengthDelimited): producerVersion = try r.readString()
            case (4, .lengthDelimited): domain = try r.readString()
            case (5, .varint): modelVersion = Int64(bitPattern: try r.readVarint())
            case (6, .lengthDelimited): docString = try r.readString()
            case (7, .lengthDelimited):
                var sub = try r.readMessage()
                graph = try ONNXGraphProto(from: &sub)
            case (8, .lengthDelimited):
                var sub = try r.readMessage()
                opsetImport.append(try ONNXOperatorSetIdProto(from: &sub))
            case (14, .lengthDelimited):
                var sub = try r.readMessage()
                metadataProps.append(try ONNXStringStringEntryProto(from: &sub))
            default: try r.skip(wire)
            }
        }
    }

    /// The encoded message.
    public func serialized() -> [UInt8] {
        var w = ProtobufWriter()
        encode(to: &w)
        return w.bytes
    }

    func encode(to w: inout ProtobufWriter) {
        w.writeInt(1, irVersion)
        for o in opsetImport { w.writeMessage(8) { o.encode(to: &$0) } }
        if !producerName.isEmpty { w.writeString(2, producerName) }
        if !producerVersion.isEmpty { w.writeString(3, producerVersion) }
        if !domain.isEmpty { w.writeString(4, domain) }
        if modelVersion != 0 { w.writeInt(5, modelVersion) }
        if !docString.isEmpty { w.writeString(6, docString) }
        if let g = graph { w.writeMessage(7) { g.encode(to: &$0) } }
        for m in metadataProps { w.writeMessage(14) { m.encode(to: &$0) } }
    }
}

/// `onnx.OperatorSetIdProto`: an operator set the model uses (`""` is the default ONNX domain).
public struct ONNXOperatorSetIdProto: Equatable, Sendable {
    public var domain = ""
    public var version: Int64 = 0

    public init(domain: String = "", version: Int64) {
        self.domain = domain
        self.version = version
    }

    init(from r: inout ProtobufReader) throws {
        while !r.isAtEnd {
            let (field, wire) = try r.readTag()
            switch (field, wire) {
            case (1, .lengthDelimited): domain = try r.readString()
            case (2, .varint): version = Int64(bitPattern: try r.readVarint())
            default: try r.skip(wire)
            }
        }
    }

    func encode(to w: inout ProtobufWriter) {
        w.writeString(1, domain)
        w.writeInt(2, version)
    }
}

/// `onnx.StringStringEntryProto`: one metadata key/value pair.
public struct ONNXStringStringEntryProto: Equatable, Sendable {
    public var key = ""
    public var value = ""

    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }

    init(from r: inout ProtobufReader) throws {
        while !r.isAtEnd {
            let (field, wire) = try r.readTag()
            switch (field, wire) {
            case (1, .lengthDelimited): key = try r.readString()
            case (2, .lengthDelimited): value = try r.readString()
            default: try r.skip(wire)
            }
        }
    }

    func encode(to w: inout ProtobufWriter) {
        w.writeString(1, key)
        w.writeString(2, value)
    }
}

/// `onnx.GraphProto`: nodes in topological order, initializers, inputs, outputs, value types.
public struct ONNXGraphProto: Equatable, Sendable {
    public var node: [ONNXNodeProto] = []
    public var name = ""
    public var initializer: [ONNXTensorProto] = []
    public var docString = ""
    public var input: [ONNXValueInfoProto] = []
    public var output: [ONNXValueInfoProto] = []
    public var valueInfo: [ONNXValueInfoProto] = []

    public init() {}

    init(from r: inout ProtobufReader) throws {
        while !r.isAtEnd {
            let (field, wire) = try r.readTag()
            guard wire == .lengthDelimited else { try r.skip(wire); continue }
            switch field {
            case 1:
                var sub = try r.readMessage()
                node.append(try ONNXNodeProto(from: &sub))
            case 2: name = try r.readString()
            case 5:
                var sub = try r.readMessage()
                initializer.append(try ONNXTensorProto(from: &sub))
            case 10: docString = try r.readString()
            case 11, 12, 13:
                var sub = try r.readMessage()
                let v = try ONNXValueInfoProto(from: &sub)
                if field == 11 { input.append(v) } else if field == 12 { output.append(v) } else { valueInfo.append(v) }
            default: try r.skip(wire)
            }
        }
    }

    func encode(to w: inout ProtobufWriter) {
        for n in node { w.writeMessage(1) { n.encode(to: &$0) } }
        w.writeString(2, name)
        for t in initializer { w.writeMessage(5) { t.encode(to: &$0) } }
        if !docString.isEmpty { w.writeString(10, docString) }
        for v in input { w.writeMessage(11) { v.encode(to: &$0) } }
        for v in output { w.writeMessage(12) { v.encode(to: &$0) } }
        for v in valueInfo { w.writeMessage(13) { v.encode(to: &$0) } }
    }
}

/// `onnx.NodeProto`: one operator application.
public struct ONNXNodeProto: Equatable, Sendable {
    public var input: [String] = []
    public var output: [String] = []
    public var name = ""
    public var opType = ""
    public var attribute: [ONNXAttributeProto] = []
    public var docString = ""
    public var domain = ""

    public init(name: String, opType: String, inputs: [String], outputs: [String],
                attributes: [ONNXAttributeProto] = [], domain: String = "") {
        self.name = name
        self.opType = opType
        self.input = inputs
        self.output = outputs
        self.attribute = attributes
        self.domain = domain
    }

    init(from r: inout ProtobufReader) throws {
        while !r.isAtEnd {
            let (field, wire) = try r.readTag()
            guard wire == .lengthDelimited else { try r.skip(wire); continue }
            switch field {
            case 1: input.append(try r.readString())
            case 2: output.append(try r.readString())
            case 3: name = try r.readString()
            case 4: opType = try r.readString()
            case 5:
                var sub = try r.readMessage()
                attribute.append(try ONNXAttributeProto(from: &sub))
            case 6: docString = try r.readString()
            case 7: domain = try r.readString()
            default: try r.skip(wire)
            }
        }
    }

    func encode(to w: inout ProtobufWriter) {
        for i in input { w.writeString(1, i) }
        for o in output { w.writeString(2, o) }
        if !name.isEmpty { w.writeString(3, name) }
        w.writeString(4, opType)
        for a in attribute { w.writeMessage(5) { a.encode(to: &$0) } }
        if !docString.isEmpty { w.writeString(6, docString) }
        if !domain.isEmpty { w.writeString(7, domain) }
    }

    /// The attribute called `name`, if present.
    public func attribute(_ name: String) -> ONNXAttributeProto? {
        attribute.first { $0.name == name }
    }
}
