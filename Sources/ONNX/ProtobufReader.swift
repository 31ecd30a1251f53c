/// Protobuf wire types (the low three bits of a field tag).
public enum ProtobufWireType: UInt8, Sendable {
    case varint = 0, fixed64 = 1, lengthDelimited = 2, startGroup = 3, endGroup = 4, fixed32 = 5
}

/// A malformed protobuf byte stream; `ONNXReader` wraps it with the file name.
public struct ProtobufError: Error, CustomStringConvertible, Equatable {
    public let detail: String
    public init(_ detail: String) { self.detail = detail }
    public var description: String { detail }
}

/// Decodes the protobuf wire format from a byte buffer. Every length and count read from the
/// stream is checked against the bytes that remain before anything is allocated, and nested
/// messages are limited in depth, so a hostile file can neither exhaust memory nor the stack.
public struct ProtobufReader {
    /// Deepest message nesting accepted (ONNX needs about 8; subgraphs add a few per level).
    public static let maxDepth = 64

    @usableFromInline let bytes: [UInt8]
    public private(set) var position: Int
    @usableFromInline let end: Int
    /// Nesting level of this reader's message (0 for the top-level message).
    public let depth: Int

    /// A reader over the whole buffer.
    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
        self.position = 0
        self.end = bytes.count
        self.depth = 0
    }

    private init(bytes: [UInt8], position: Int, end: Int, depth: Int) {
        self.bytes = bytes
        self.position = position
        self.end = end
        self.depth = depth
    }

    /// True when the message has been read completely.
    public var isAtEnd: Bool { position >= end }
    /// Bytes left in this message.
    public var remaining: Int { end - position }

    /// Reads a base-128 varint of at most 10 bytes.
    public mutating func readVarint() throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard position < end else { throw ProtobufError("varint runs past the end of its message at byte \(position)") }
            let byte = bytes[position]
            position += 1
            if shift == 63 && byte > 1 { throw ProtobufError("varint longer than 64 bits at byte \(position - 1)") }
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
            if shift > 63 { throw ProtobufError("varint longer than 10 bytes at byte \(position - 1)") }
        }
    }

    /// Reads a field tag: field number and wire type.
    public mutating func readTag() throws -> (field: Int, wire: ProtobufWireType) {
        let at = position
        let key = try readVarint()
        guard let wire = ProtobufWireType(rawValue: UInt8(key & 7)) else {
            throw ProtobufError("invalid wire type \(key & 7) at byte \(at)")
        }
        let field = key >> 3
        guard field >= 1, field <= 536_870_911 else { throw ProtobufError("invalid field number \(field) at byte \(at)") }
        return (Int(field), wire)
    }

    /// Reads a little-endian 32-bit value.
    public mutating func readFixed32() throws -> UInt32 {
        guard remaining >= 4 else { throw ProtobufError("fixed32 runs past the end of its message at byte \(position)") }
        var v: UInt32 = 0
        for i in 0..<4 { v |= UInt32(bytes[position + i]) << (8 * UInt32(i)) }
        position += 4
        return v
    }

    /// Reads a little-endian 64-bit value.
    public mutating func readFixed64() throws -> UInt64 {
        guard remaining >= 8 else { throw ProtobufError("fixed64 runs past the end of its message at byte \(position)") }
        var v: UInt64 = 0
        for i in 0..<8 { v |= UInt64(bytes[position + i]) << (8 * UInt64(i)) }
        position += 8
        return v
    }

    /// Reads a length prefix and checks it against the bytes left in this message.
    public mutating func readLength() throws -> Int {
        let at = position
        let length = try readVarint()
        guard length <= UInt64(remaining) else {
            throw ProtobufError("length \(length) at byte \(at) exceeds the \(remaining) bytes left in its message")
        }
        return Int(length)
    }

    /// Reads a length-delimited byte string.
    public mutating func readBytes() throws -> [UInt8] {
        let n = try readLength()
        let out = Array(bytes[position..<(position + n)])
        position += n
        return out
    }

    /// Reads a length-delimited UTF-8 string.
    public mutating func readString() throws -> String {
        let n = try readLength()
        let slice = bytes[position..<(position + n)]
        position += n
        guard let s = String(validating: slice, as: UTF8.self) else {
            throw ProtobufError("string field at byte \(position - n) is not valid UTF-8")
        }
        return s
    }

    /// Returns a reader over an embedded message and skips past it here.
    public mutating func readMessage() throws -> ProtobufReader {
        guard depth + 1 <= Self.maxDepth else {
            throw ProtobufError("messages nested deeper than \(Self.maxDepth) levels at byte \(position)")
        }
        let n = try readLength()
        let sub = ProtobufReader(bytes: bytes, position: position, end: position + n, depth: depth + 1)
        position += n
        return sub
    }

    /// Skips a field of an unknown number. Groups (deprecated, unused by ONNX) are rejected.
    public mutating func skip(_ wire: ProtobufWireType) throws {
        switch wire {
        case .varint: _ = try readVarint()
        case .fixed64: _ = try readFixed64()
        case .fixed32: _ = try readFixed32()
        case .lengthDelimited: position += try readLength()
        case .startGroup, .endGroup: throw ProtobufError("group fields are not supported (byte \(position))")
        }
    }

    // MARK: Repeated numeric fields: packed (one length-delimited run) or unpacked (one per tag).

    /// Appends one varint-encoded int64 value, or a packed run of them.
    public mutating func readInt64s(_ wire: ProtobufWireType, into out: inout [Int64]) throws {
        try readVarints(wire) { out.append(Int64(bitPattern: $0)) }
    }

    /// Appends one varint-encoded int32 value, or a packed run of them (negative values arrive
    /// sign-extended to 64 bits).
    public mutating func readInt32s(_ wire: ProtobufWireType, into out: inout [Int32]) throws {
        try readVarints(wire) { out.append(Int32(truncatingIfNeeded: Int64(bitPattern: $0))) }
    }

    /// Appends one uint64 value, or a packed run of them.
    public mutating func readUInt64s(_ wire: ProtobufWireType, into out: inout [UInt64]) throws {
        try readVarints(wire) { out.append($0) }
    }

    private mutating func readVarints(_ wire: ProtobufWireType, _ append: (UInt64) -> Void) throws {
        switch wire {
        case .varint: append(try readVarint())
        case .lengthDelimited:
            let n = try readLength()
            var sub = ProtobufReader(bytes: bytes, position: position, end: position + n, depth: depth)
            while !sub.isAtEnd { append(try sub.readVarint()) }
            position += n
        default: throw ProtobufError("repeated integer field has wire type \(wire.rawValue) at byte \(position)")
        }
    }

    /// Appends one float, or a packed run of them.
    public mutating func readFloats(_ wire: ProtobufWireType, into out: inout [Float]) throws {
        switch wire {
        case .fixed32: out.append(Float(bitPattern: try readFixed32()))
        case .lengthDelimited:
            let n = try readLength()
            guard n % 4 == 0 else { throw ProtobufError("packed float field of \(n) bytes is not a multiple of 4") }
            out.reserveCapacity(out.count + n / 4)
            for _ in 0..<(n / 4) { out.append(Float(bitPattern: try readFixed32())) }
        default: throw ProtobufError("repeated float field has wire type \(wire.rawValue) at byte \(position)")
        }
    }

    /// Appends one double, or a packed run of them.
    public mutating func readDoubles(_ wire: ProtobufWireType, into out: inout [Double]) throws {
        switch wire {
        case .fixed64: out.append(Double(bitPattern: try readFixed64()))
        case .lengthDelimited:
            let n = try readLength()
            guard n % 8 == 0 else { throw ProtobufError("packed double field of \(n) bytes is not a multiple of 8") }
            out.reserveCapacity(out.count + n / 8)
            for _ in 0..<(n / 8) { out.append(Double(bitPattern: try readFixed64())) }
        default: throw ProtobufError("repeated double field has wire type \(wire.rawValue) at byte \(position)")
        }
    }
}
