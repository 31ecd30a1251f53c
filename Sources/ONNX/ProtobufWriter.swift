/// Encodes the protobuf wire format. Embedded messages are encoded into their own writer and
/// appended with a length prefix.
public struct ProtobufWriter {
    /// The encoded bytes so far.
    public private(set) var bytes: [UInt8] = []

    public init() {}

    /// Appends a base-128 varint.
    public mutating func writeVarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    /// Appends a field tag.
    public mutating func writeTag(_ field: Int, _ wire: ProtobufWireType) {
        writeVarint(UInt64(field) << 3 | UInt64(wire.rawValue))
    }

    /// Appends a varint field holding a signed integer (two's complement, as protobuf int64/int32).
    public mutating func writeInt(_ field: Int, _ value: Int64) {
        writeTag(field, .varint)
        writeVarint(UInt64(bitPattern: value))
    }

    /// Appends a float field (fixed32).
    public mutating func writeFloat(_ field: Int, _ value: Float) {
        writeTag(field, .fixed32)
        appendFixed32(value.bitPattern)
    }

    /// Appends a length-delimited byte field.
    public mutating func writeBytes(_ field: Int, _ value: [UInt8]) {
        writeTag(field, .lengthDelimited)
        writeVarint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    /// Appends a length-delimited byte field from raw memory.
    public mutating func writeBytes(_ field: Int, _ value: UnsafeRawBufferPointer) {
        writeTag(field, .lengthDelimited)
        writeVarint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    /// Appends a UTF-8 string field.
    public mutating func writeString(_ field: Int, _ value: String) {
        writeBytes(field, Array(value.utf8))
    }

    /// Appends an embedded message built by `body`.
    public mutating func writeMessage(_ field: Int, _ body: (inout ProtobufWriter) -> Void) {
        var sub = ProtobufWriter()
        body(&sub)
        writeBytes(field, sub.bytes)
    }

    /// Appends integers as a packed varint run.
    public mutating func writePackedInts(_ field: Int, _ values: [Int64]) {
        guard !values.isEmpty else { return }
        var sub = ProtobufWriter()
        for v in values { sub.writeVarint(UInt64(bitPattern: v)) }
        writeBytes(field, sub.bytes)
    }

    /// Appends integers one tag each (unpacked, proto2's default for fields not marked packed).
    public mutating func writeUnpackedInts(_ field: Int, _ values: [Int64]) {
        for v in values { writeInt(field, v) }
    }

    /// Appends floats as a packed fixed32 run.
    public mutating func writePackedFloats(_ field: Int, _ values: [Float]) {
        guard !values.isEmpty else { return }
        writeTag(field, .lengthDelimited)
        writeVarint(UInt64(values.count * 4))
        for v in values { appendFixed32(v.bitPattern) }
    }

    /// Appends floats one tag each.
    public mutating func writeUnpackedFloats(_ field: Int, _ values: [Float]) {
        for v in values { writeFloat(field, v) }
    }

    /// Appends doubles as a packed fixed64 run.
    public mutating func writePackedDoubles(_ field: Int, _ values: [Double]) {
        guard !values.isEmpty else { return }
        writeTag(field, .lengthDelimited)
        writeVarint(UInt64(values.count * 8))
        for v in values { appendFixed64(v.bitPattern) }
    }

    /// Appends a little-endian 32-bit value (no tag).
    public mutating func appendFixed32(_ v: UInt32) {
        for i in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * UInt32(i)))) }
    }

    /// Appends a little-endian 64-bit value (no tag).
    public mutating func appendFixed64(_ v: UInt64) {
        for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(i)))) }
    }
}
