/// The parts of an AVI `hdrl` list the reader needs: the first video stream's rate, bitmap
/// format and (OpenDML) super index.
struct AVIStreamHeader {
    var streamNumber = 0
    var width = 0
    var height = 0
    var frameRate = 0.0
    var bitsPerPixel = 0
    var bottomUp = true
    var superIndex: [UInt8]?

    /// FourCCs of stream handlers that mean "uncompressed RGB".
    static let rawHandlers: Set<String> = ["DIB ", "RGB ", "raw ", "\0\0\0\0", "????", "    "]

    static func parse(_ hdrl: [UInt8], path: String) throws -> AVIStreamHeader {
        var result = AVIStreamHeader()
        var found = false
        var streamCounter = 0
        var pos = 0
        while pos + 8 <= hdrl.count {
            let id = hdrl.fourCC(pos)
            let size = Int(hdrl.u32(pos + 4))
            let end = min(hdrl.count, pos + 8 + size)
            if id == "LIST", pos + 12 <= end, hdrl.fourCC(pos + 8) == "strl" {  // size < 4: fuzz finding
                if !found, let s = try parseStreamList(Array(hdrl[(pos + 12)..<end]), path: path) {
                    result = s
                    result.streamNumber = streamCounter
                    found = true
                }
                streamCounter += 1
            }
            pos += 8 + size + (size & 1)
        }
        guard found else { throw VideoError.corrupt(path: path, reason: "no video stream header") }
        return result
    }

    private static func parseStreamList(_ strl: [UInt8], path: String) throws -> AVIStreamHeader? {
        var s = AVIStreamHeader()
        var isVideo = false
        var handler = ""
        var sawFormat = false
        var pos = 0
        while pos + 8 <= strl.count {
            let id = strl.fourCC(pos)
            let size = Int(strl.u32(pos + 4))
            let body = Array(strl[(pos + 8)..<min(strl.count, pos + 8 + size)])
            switch id {
            case "strh" where body.count >= 32:
                isVideo = body.fourCC(0) == "vids"
                handler = String(decoding: body[4..<8], as: UTF8.self)
                let scale = Double(body.u32(20)), rate = Double(body.u32(24))
                s.frameRate = scale > 0 ? rate / scale : 0
            case "strf" where body.count >= 20:
                s.width = Int(body.i32(4))
                let h = Int(body.i32(8))
                s.height = abs(h)
                s.bottomUp = h > 0
                s.bitsPerPixel = Int(body.u16(14))
                let compression = body.u32(16)
                if compression != 0 {
                    let fourCC = body.fourCC(16)
                    if compression == 3 {  // BI_BITFIELDS
                        throw VideoError.unsupportedFormat(path: path, reason: "BI_BITFIELDS pixel masks")
                    }
                    // Uncompressed but in a layout other than BI_RGB (e.g. OpenCV's 'RGBA', 'I420').
                    if ["RGBA", "BGRA", "ARGB", "I420", "IYUV", "YV12", "YUY2", "UYVY", "NV12", "Y800"].contains(fourCC) {
                        throw VideoError.unsupportedFormat(path: path, reason: "raw '\(fourCC)' pixels (only BI_RGB 24/32-bit is read)")
                    }
                    throw VideoError.compressed(path: path, fourCC: fourCC)
                }
                sawFormat = true
            case "indx":
                s.superIndex = body
            default: break
            }
            pos += 8 + size + (size & 1)
        }
        guard isVideo else { return nil }
        guard sawFormat else { throw VideoError.corrupt(path: path, reason: "video stream has no format (strf) chunk") }
        if !rawHandlers.contains(handler), handler.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7f }),
            ["MJPG", "XVID", "H264", "DIVX", "FMP4", "MP4V", "HFYU", "FFV1", "AVC1", "X264", "IYUV", "I420", "YUY2"]
                .contains(handler.uppercased())
        {
            throw VideoError.compressed(path: path, fourCC: handler)
        }
        guard s.bitsPerPixel == 24 || s.bitsPerPixel == 32 else {
            throw VideoError.unsupportedFormat(path: path, reason: "\(s.bitsPerPixel) bits per pixel (24 or 32 supported)")
        }
        guard s.width > 0, s.height > 0, s.width <= 16384, s.height <= 16384 else {
            throw VideoError.corrupt(path: path, reason: "frame size \(s.width)×\(s.height) is out of range")
        }
        guard s.frameRate > 0, s.frameRate.isFinite else {
            throw VideoError.corrupt(path: path, reason: "the video stream's frame rate (dwRate/dwScale) is zero")
        }
        return s
    }
}
