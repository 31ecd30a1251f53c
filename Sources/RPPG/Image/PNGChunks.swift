import CZlib

/// The parts of PNG's chunk layer both the reader and the writer use: the signature and CRC-32
/// (zlib's, the same polynomial PNG specifies).
enum PNGChunks {
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// CRC-32 over the chunk type and data, as stored after each chunk.
    static func crc(type: [UInt8], data: ArraySlice<UInt8>) -> UInt32 {
        var c = crc32(0, nil, 0)
        c = type.withUnsafeBufferPointer { crc32(c, $0.baseAddress, uInt($0.count)) }
        c = data.withUnsafeBufferPointer { crc32(c, $0.baseAddress, uInt($0.count)) }
        return UInt32(c)
    }

    static func bigEndian(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        bytes.reduce(0) { $0 << 8 | UInt32($1) }
    }

    static func appendBigEndian(_ v: UInt32, to out: inout [UInt8]) {
        out += [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)]
    }

    /// The value a filter predicts from the left (a), upper (b) and upper-left (c) bytes; nil for
    /// a filter type PNG does not define.
    @inline(__always) static func predictor(_ filter: UInt8, _ a: UInt8, _ b: UInt8, _ c: UInt8) -> UInt8? {
        switch filter {
        case 0: return 0
        case 1: return a
        case 2: return b
        case 3: return UInt8((Int(a) + Int(b)) / 2)
        case 4: return paeth(a, b, c)
        default: return nil
        }
    }

    /// Paeth predictor (PNG specification, filter type 4).
    @inline(__always) static func paeth(_ a: UInt8, _ b: UInt8, _ c: UInt8) -> UInt8 {
        let p = Int(a) + Int(b) - Int(c)
        let pa = abs(p - Int(a)), pb = abs(p - Int(b)), pc = abs(p - Int(c))
        if pa <= pb && pa <= pc { return a }
        return pb <= pc ? b : c
    }
}
