import CZlib
import Foundation

/// Decodes 8-bit RGB and RGBA PNG files (colour types 2 and 6, no interlace), the formats
/// OpenCV's `imwrite` and the PURE dataset's frames use. Alpha is dropped. Every chunk's CRC is
/// checked and every size is bounded before it is used to allocate.
public enum PNGReader {
    /// Largest side accepted; larger frames are not camera frames and would only allocate.
    public static let maxSide = 16_384

    /// Reads and decodes the file at `url`.
    public static func read(_ url: URL) throws -> VideoFrame {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw PNGError(path: url.path, reason: "cannot be read (\(error.localizedDescription)); check the path")
        }
        return try decode([UInt8](data), path: url.path)
    }

    /// Decodes PNG bytes; `path` names the file in errors.
    public static func decode(_ bytes: [UInt8], path: String) throws -> VideoFrame {
        func fail(_ reason: String) -> PNGError { PNGError(path: path, reason: reason) }
        guard bytes.count >= 8, Array(bytes[0..<8]) == PNGChunks.signature else { throw fail("not a PNG file (bad signature)") }
        var offset = 8
        var header: (width: Int, height: Int, channels: Int)?
        var compressed: [UInt8] = []
        var ended = false
        while !ended {
            guard offset + 12 <= bytes.count else { throw fail("truncated at byte \(offset) (chunk header or IEND missing)") }
            let length = Int(PNGChunks.bigEndian(bytes[offset..<(offset + 4)]))
            let type = Array(bytes[(offset + 4)..<(offset + 8)])
            let name = String(decoding: type, as: UTF8.self)
            guard length <= bytes.count - offset - 12 else { throw fail("chunk \(name) of \(length) bytes runs past the end of the file (truncated)") }
            let body = bytes[(offset + 8)..<(offset + 8 + length)]
            let stored = PNGChunks.bigEndian(bytes[(offset + 8 + length)..<(offset + 12 + length)])
            guard stored == PNGChunks.crc(type: type, data: body) else { throw fail("chunk \(name) has a bad CRC (corrupt file)") }
            offset += 12 + length
            switch name {
            case "IHDR":
                guard header == nil, length == 13 else { throw fail("IHDR chunk is \(length) bytes or repeated") }
                header = try parseHeader(body, fail: fail)
            case "IDAT":
                guard header != nil else { throw fail("IDAT before IHDR") }
                compressed += body
            case "IEND":
                ended = true
            case "PLTE":
                throw fail("palette images are not supported")
            default:
                // Ancillary chunks (lower-case first letter) carry metadata we do not need.
                guard type[0] & 0x20 != 0 else { throw fail("critical chunk \(name) is not supported") }
            }
        }
        guard let header else { throw fail("no IHDR chunk") }
        guard !compressed.isEmpty else { throw fail("no IDAT chunk (no pixel data)") }
        let stride = header.width * header.channels
        let raw = try inflate(compressed, expected: header.height * (stride + 1), fail: fail)
        let pixels = try unfilter(raw, width: header.width, height: header.height, channels: header.channels, fail: fail)
        if header.channels == 3 { return VideoFrame(width: header.width, height: header.height, rgb: pixels) }
        var rgb = [UInt8](repeating: 0, count: header.width * header.height * 3)
        for p in 0..<(header.width * header.height) {
            rgb[p * 3] = pixels[p * 4]; rgb[p * 3 + 1] = pixels[p * 4 + 1]; rgb[p * 3 + 2] = pixels[p * 4 + 2]
        }
        return VideoFrame(width: header.width, height: header.height, rgb: rgb)
    }

    static func parseHeader(_ b: ArraySlice<UInt8>, fail: (String) -> PNGError) throws -> (width: Int, height: Int, channels: Int) {
        let s = b.startIndex
        let width = Int(PNGChunks.bigEndian(b[s..<(s + 4)])), height = Int(PNGChunks.bigEndian(b[(s + 4)..<(s + 8)]))
        let depth = b[s + 8], colour = b[s + 9], compression = b[s + 10], filter = b[s + 11], interlace = b[s + 12]
        guard width >= 1, height >= 1, width <= maxSide, height <= maxSide else {
            throw fail("size \(width)×\(height) is outside 1…\(maxSide) pixels per side")
        }
        guard interlace == 0 else { throw fail("interlaced (Adam7) PNGs are not supported; save it without interlacing") }
        guard depth == 8 else { throw fail("bit depth \(depth) is not supported (8 only)") }
        guard colour == 2 || colour == 6 else { throw fail("colour type \(colour) is not supported (2 RGB or 6 RGBA only)") }
        guard compression == 0, filter == 0 else { throw fail("unknown compression \(compression) or filter method \(filter)") }
        return (width, height, colour == 2 ? 3 : 4)
    }

    /// zlib-inflates the IDAT stream, which must hold exactly `expected` bytes.
    static func inflate(_ input: [UInt8], expected: Int, fail: (String) -> PNGError) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: expected + 1)   // one spare byte detects excess data
        var outLength = uLongf(out.count)
        let status = input.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                uncompress(dst.baseAddress, &outLength, src.baseAddress, uLong(src.count))
            }
        }
        guard status == Z_OK else {
            throw fail(status == Z_BUF_ERROR && outLength < expected
                       ? "pixel data is truncated" : "pixel data is not a valid zlib stream (zlib error \(status))")
        }
        guard Int(outLength) == expected else {
            throw fail("pixel data holds \(outLength) bytes, the header implies \(expected)")
        }
        out.removeLast()
        return out
    }

    /// Reverses the per-row filters (None, Sub, Up, Average, Paeth) in place of a copy.
    static func unfilter(_ raw: [UInt8], width: Int, height: Int, channels bpp: Int,
                         fail: (String) -> PNGError) throws -> [UInt8] {
        let stride = width * bpp
        var out = [UInt8](repeating: 0, count: stride * height)
        try out.withUnsafeMutableBufferPointer { o in
            try raw.withUnsafeBufferPointer { r in
                for y in 0..<height {
                    let filter = r[y * (stride + 1)]
                    let src = y * (stride + 1) + 1, row = y * stride, up = row - stride
                    for x in 0..<stride {
                        let a = x >= bpp ? o[row + x - bpp] : 0
                        let b = y > 0 ? o[up + x] : 0
                        let c = (x >= bpp && y > 0) ? o[up + x - bpp] : 0
                        guard let predictor = PNGChunks.predictor(filter, a, b, c) else {
                            throw fail("row \(y) has unknown filter type \(filter) (corrupt file)")
                        }
                        o[row + x] = r[src + x] &+ predictor
                    }
                }
            }
        }
        return out
    }
}
