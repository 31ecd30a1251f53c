/// `onnx.TensorProto`: a constant tensor (initializer or attribute value).
public struct ONNXTensorProto: Equatable, Sendable {
    public var dims: [Int64] = []
    public var dataType: Int32 = 0
    public var floatData: [Float] = []
    public var int32Data: [Int32] = []
    public var stringData: [[UInt8]] = []
    public var int64Data: [Int64] = []
    public var name = ""
    public var docString = ""
    public var rawData: [UInt8] = []
    public var doubleData: [Double] = []
    public var uint64Data: [UInt64] = []
    /// External-data location entries (`location`, `offset`, …); this project rejects them.
    public var externalData: [ONNXStringStringEntryProto] = []
    /// 0 = DEFAULT (data in this message), 1 = EXTERNAL.
    public var dataLocation: Int64 = 0

    public init() {}

    init(from r: inout ProtobufReader) throws {
        while !r.isAtEnd {
            let (field, wire) = try r.readTag()
            switch (field, wire) {
            case (1, _): try r.readInt64s(wire, into: &dims)
            case (2, .varint): dataType = Int32(truncatingIfNeeded: Int64(bitPattern: try r.readVarint()))
            case (4, _): try r.readFloats(wire, into: &floatData)
            case (5, _): try r.readInt32s(wire, into: &int32Data)
            case (6, .lengthDelimited): stringData.append(try r.readBytes())
            case (7, _): try r.readInt64s(wire, into: &int64Data)
            case (8, .lengthDelimited): name = try r.readString()
            case (9, .lengthDelimited): rawData = try r.readBytes()
            case (10, _): try r.readDoubles(wire, into: &doubleData)
            case (11, _): try r.readUInt64s(wire, into: &uint64Data)
            case (12, .lengthDelimited): docString = try r.readString()
            case (13, .lengthDelimited):
                var sub = try r.readMessage()
                externalData.append(try ONNXStringStringEntryProto(from: &sub))
            case (14, .varint): dataLocation = Int64(bitPattern: try r.readVarint())
            default: try r.skip(wire)
            }
        }
    }

    func encode(to w: inout ProtobufWriter) {
        w.writeUnpackedInts(1, dims)
        w.writeInt(2, Int64(dataType))
        w.writePackedFloats(4, floatData)
        w.writePackedInts(5, int32Data.map(Int64.init))
        for s in stringData { w.writeBytes(6, s) }
        w.writePackedInts(7, int64Data)
        if !name.isEmpty { w.writeString(8, name) }
        if !rawData.isEmpty { w.writeBytes(9, rawData) }
        w.writePackedDoubles(10, doubleData)
        if !uint64Data.isEmpty { w.writePackedInts(11, uint64Data.map { Int64(bitPattern: $0) }) }
        if !docString.isEmpty { w.writeString(12, docString) }
        for e in externalData { w.writeMessage(13) { e.encode(to: &$0) } }
        if dataLocation != 0 { w.writeInt(14, dataLocation) }
    }
}

/// `onnx.ValueInfoProto`: a named value and its type.
public struct ONNXValueInfoProto: Equatable, Sendable {
    public var name = ""
    public var type: ONNXTypeProto?
    public var docString = ""

    public init(name: String, type: ONNXTypeProto?) {
        self.name = name
        self.type = type
    }

    init(from r: inout ProtobufReader) throws {
        while !r.isAtEnd {
            let (field, wire) = try r.readTag()
            switch (field, wire) {
            case (1, .lengthDelimited): name = try r.readString()
            case (2, .lengthDelimited):
                var sub = try r.readMessage()
                type = try ONNXTypeProto(from: &sub)
            case (3, .lengthDelimited): docString = try r.readString()
            default: try r.skip(wire)
            }
        }
    }

    func encode(to w: inout ProtobufWriter) {
        w.writeString(1, name)
        if let type { w.writeMessage(2) { type.encode(to: &$0) } }
        if !docString.isEmpty { w.writeString(3, docString) }
    }
}

/// `onnx.TypeProto`, tensor types only (`tensor_type`: element type and shape).
public struct ONNXTypeProto: Equatable, Sendable {
    /// One dimension: a fixed size, a symbolic name, or neither (unknown).
    public struct Dimension: Equatable, Sendable {
        public var value: Int64?
        public var param: String?
        public init(value: Int64? = nil, param: String? = nil) {
            self.value = value
            self.param = param
        }
    }

    /// True when the message holds a `tensor_type` (other kinds: sequences, maps, optionals).
    public var isTensor = false
    public var elemType: Int32 = 0
    /// nil when the shape is absent (unknown rank).
    public var shape: [Dimension]?

    public init(elemType: Int32, shape: [Dimension]?) {
        self.isTensor = true
        self.elemType = elemType
        self.shape = shape
    }

    init(from r: inout ProtobufReader) throws {
        while !r.isAtEnd {
            let (field, wire) = try r.readTag()
            guard field == 1, wire == .lengthDelimited else { try r.skip(wire); continue }
            isTensor = true
            var tensor = try r.readMessage()
            while !tensor.isAtEnd {
                let (tf, tw) = try tensor.readTag()
                switch (tf, tw) {
                case (1, .varint): elemType = Int32(truncatingIfNeeded: Int64(bitPattern: try tensor.readVarint()))
                case (2, .lengthDelimited):
                    var shapeReader = try tensor.readMessage()
                    var dims: [Dimension] = []
                    while !shapeReader.isAtEnd {
                        let (sf, sw) = try shapeReader.readTag()
                        guard sf == 1, sw == .lengthDelimited else { try shapeReader.skip(sw); continue }
                        var dimReader = try shapeReader.readMessage()
                        var dim = Dimension()
                        while !dimReader.isAtEnd {
                            let (df, dw) = try dimReader.readTag()
                            switch (df, dw) {
                            case (1, .varint): dim.value = Int64(bitPattern: try dimReader.readVarint())
                            case (2, .lengthDelimited): dim.param = try dimReader.readString()
                            default: try dimReader.skip(dw)
                            }
                        }
                        dims.append(dim)
                    }
                    shape = dims
                default: try tensor.skip(tw)
                }
            }
        }
    }

    func encode(to w: inout ProtobufWriter) {
        guard isTensor else { return }
        w.writeMessage(1) { t in
            t.writeInt(1, Int64(elemType))
            if let shape {
                t.writeMessage(2) { s in
                    for d in shape {
                        s.writeMessage(1) { m in
                            if let v = d.value { m.writeInt(1, v) }
                            if let p = d.param { m.writeString(2, p) }
                        }
                    }
                }
            }
        }
    }
}
