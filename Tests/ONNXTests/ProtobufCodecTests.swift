import Foundation
import ONNX
import Testing

@Suite struct ProtobufCodecTests {
    @Test func varintsRoundTripIncludingNegativeAndExtremes() throws {
        let values: [Int64] = [0, 1, 127, 128, 300, -1, -2, Int64.max, Int64.min, 1 << 35]
        var w = ProtobufWriter()
        for v in values { w.writeInt(3, v) }
        var r = ProtobufReader(w.bytes)
        var out: [Int64] = []
        while !r.isAtEnd {
            let (field, wire) = try r.readTag()
            #expect(field == 3)
            try r.readInt64s(wire, into: &out)
        }
        #expect(out == values)
        // -1 is ten bytes on the wire, as protobuf encodes negative int64.
        var one = ProtobufWriter()
        one.writeVarint(UInt64(bitPattern: -1))
        #expect(one.bytes.count == 10)
    }

    @Test func packedAndUnpackedRepeatedFieldsDecodeTheSame() throws {
        let floats: [Float] = [1.5, -2.25, 0, .greatestFiniteMagnitude]
        let ints: [Int64] = [4, -7, 1 << 40]
        var packed = ProtobufWriter()
        packed.writePackedFloats(4, floats)
        packed.writePackedInts(7, ints)
        var unpacked = ProtobufWriter()
        unpacked.writeUnpackedFloats(4, floats)
        unpacked.writeUnpackedInts(7, ints)
        #expect(packed.bytes != unpacked.bytes)
        for bytes in [packed.bytes, unpacked.bytes] {
            var r = ProtobufReader(bytes)
            var f: [Float] = []
            var i: [Int64] = []
            while !r.isAtEnd {
                let (field, wire) = try r.readTag()
                if field == 4 { try r.readFloats(wire, into: &f) } else { try r.readInt64s(wire, into: &i) }
            }
            #expect(f == floats)
            #expect(i == ints)
        }
    }

    @Test func tensorProtoWithUnpackedDimsAndPackedDataRoundTrips() throws {
        var t = ONNXTensorProto()
        t.name = "w"
        t.dims = [2, 3]
        t.dataType = 1
        t.floatData = [1, 2, 3, 4, 5, 6]
        var model = ONNXModelProto()
        model.irVersion = 7
        model.opsetImport = [ONNXOperatorSetIdProto(version: 13)]
        var g = ONNXGraphProto()
        g.name = "g"
        g.initializer = [t]
        var attr = ONNXAttributeProto.ints("pads", [0, 1, -1])
        attr.floats = []
        g.node = [ONNXNodeProto(name: "n", opType: "Identity", inputs: ["w"], outputs: ["y"], attributes: [attr, .float("alpha", 0.5)])]
        g.output = [ONNXValueInfoProto(name: "y", type: ONNXTypeProto(elemType: 1, shape: [.init(value: 2), .init(param: "N")]))]
        model.graph = g
        model.metadataProps = [ONNXStringStringEntryProto(key: "epoch", value: "7")]
        let decoded = try ONNXModelProto(serialized: model.serialized())
        #expect(decoded == model)
    }

    @Test func lengthBeyondTheBufferIsRejectedBeforeAllocation() throws {
        // Field 9 (raw_data), declared length 2^40, followed by four bytes.
        var w = ProtobufWriter()
        w.writeTag(9, .lengthDelimited)
        w.writeVarint(1 << 40)
        let bytes = w.bytes + [1, 2, 3, 4]
        var r = ProtobufReader(bytes)
        _ = try r.readTag()
        #expect(throws: ProtobufError.self) { _ = try r.readBytes() }
    }

    @Test func overlongVarintAndDeepNestingAreRejected() throws {
        var r = ProtobufReader([UInt8](repeating: 0xFF, count: 11) + [0x01])
        #expect(throws: ProtobufError.self) { _ = try r.readVarint() }
        // 100 nested attribute → graph → node → attribute chains exceed the depth limit.
        var inner: [UInt8] = []
        for _ in 0..<100 {
            var w = ProtobufWriter()
            w.writeBytes(7, inner)  // graph field of ModelProto, then nested again
            inner = w.bytes
        }
        var deep = ProtobufWriter()
        deep.writeBytes(7, inner)
        var d = ProtobufReader(deep.bytes)
        func descend(_ r: inout ProtobufReader) throws {
            while !r.isAtEnd {
                _ = try r.readTag()
                var sub = try r.readMessage()
                try descend(&sub)
            }
        }
        #expect(throws: ProtobufError.self) { try descend(&d) }
    }
}
