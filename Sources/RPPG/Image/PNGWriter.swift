import CZlib
import Foundation
import TensorCore

/// Writes 8-bit RGB PNG files (IHDR, one zlib-deflated IDAT, IEND, each with its CRC-32).
public enum PNGWriter {
    /// PNG's row filters; the writer applies one to every row (`none` unless asked).
    public enum Filter: UInt8, Sendable, CaseIterable {
        case none = 0, sub, up, average, paeth
    }

    /// The PNG bytes of `frame`.
    public static func encode(_ frame: VideoFrame, filter: Filter = .none) -> [UInt8] {
        var out = PNGChunks.signature
        var header: [UInt8] = []
        PNGChunks.appendBigEndian(UInt32(frame.width), to: &header)
        PNGChunks.appendBigEndian(UInt32(frame.height), to: &header)
        header += [8, 2, 0, 0, 0]   // 8-bit, RGB, deflate, adaptive filtering, no interlace
        appendChunk("IHDR", header, to: &out)
        appendChunk("IDAT", deflate(filtered(frame, filter)), to: &out)
        appendChunk("IEND", [], to: &out)
        return out
    }

    /// Writes `frame` to `url` atomically.
    public static func write(_ frame: VideoFrame, to url: URL, filter: Filter = .none) throws {
        try AtomicFile.write(Data(encode(frame, filter: filter)), to: url)
    }

    static func appendChunk(_ name: String, _ data: [UInt8], to out: inout [UInt8]) {
        let type = Array(name.utf8)
        PNGChunks.appendBigEndian(UInt32(data.count), to: &out)
        out += type
        out += data
        PNGChunks.appendBigEndian(PNGChunks.crc(type: type, data: data[...]), to: &out)
    }

    /// Rows with their filter byte in front, filtered against the unfiltered previous row.
    static func filtered(_ frame: VideoFrame, _ filter: Filter) -> [UInt8] {
        let stride = frame.width * 3, bpp = 3
        var out = [UInt8](repeating: 0, count: frame.height * (stride + 1))
        let p = frame.rgb
        for y in 0..<frame.height {
            out[y * (stride + 1)] = filter.rawValue
            let row = y * stride, up = row - stride
            for x in 0..<stride {
                let a = x >= bpp ? p[row + x - bpp] : 0
                let b = y > 0 ? p[up + x] : 0
                let c = (x >= bpp && y > 0) ? p[up + x - bpp] : 0
                let predictor = PNGChunks.predictor(filter.rawValue, a, b, c)!
                out[y * (stride + 1) + 1 + x] = p[row + x] &- predictor
            }
        }
        return out
    }

    static func deflate(_ input: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(compressBound(uLong(input.count))))
        var length = uLongf(out.count)
        let status = input.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                compress2(dst.baseAddress, &length, src.baseAddress, uLong(src.count), Z_BEST_COMPRESSION)
            }
        }
        // compress2 into a compressBound-sized buffer can only fail on memory exhaustion.
        precondition(status == Z_OK, "zlib compress2 failed with \(status)")
        return Array(out[0..<Int(length)])
    }
}
