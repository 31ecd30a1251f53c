import Foundation

/// Streaming reader for uncompressed RIFF AVI video (BI_RGB, 24 or 32 bits per pixel,
/// bottom-up or top-down rows padded to 4 bytes), including OpenDML files over 4 GB.
///
/// Only the frame index is held in memory; each frame is read with `pread` when asked for,
/// so memory does not grow with the length of the video.
///
/// ```swift
/// let video = try AVIReader(url: url)
/// var frame = VideoFrame(width: video.width, height: video.height)
/// for i in 0..<video.frameCount { try video.readFrame(i, into: &frame) }
/// ```
public final class AVIReader {
    /// Path of the file, for messages.
    public let path: String
    /// Frame width in pixels.
    public let width: Int
    /// Frame height in pixels.
    public let height: Int
    /// Frames per second (`dwRate / dwScale` of the video stream).
    public let frameRate: Double
    /// 24 (BGR) or 32 (BGRA/BGRX).
    public let bitsPerPixel: Int
    /// True when rows are stored bottom row first (positive `biHeight`).
    public let isBottomUp: Bool
    /// Which index the frame positions came from: "indx", "idx1" or "scan".
    public let indexSource: String

    private let file: RandomAccessFile
    private let index: AVIFrameIndex
    private let rowStride: Int
    private var buffer: [UInt8]
    private var previous: VideoFrame?

    /// Largest frame accepted (a 16k × 16k 32-bit frame), bounding the frame buffer.
    static let maxFrameBytes = 1 << 30

    /// Number of video frames in the file's index.
    public var frameCount: Int { index.count }

    /// Opens `url` and reads its headers and index.
    public init(url: URL) throws {
        path = url.path
        file = try RandomAccessFile(path: url.path)
        let head = try file.bytes(at: 0, count: 12)
        guard head.count == 12, head.fourCC(0) == "RIFF", head.fourCC(8) == "AVI " else {
            throw VideoError.corrupt(path: path, reason: "it does not start with a RIFF 'AVI ' header")
        }
        let riffEnd = min(file.size, 8 + Int64(head.u32(4)))

        var hdrl: [UInt8]? = nil
        var moviLists: [(start: Int64, end: Int64)] = []
        var moviFourCC: Int64? = nil
        var idx1: [UInt8]? = nil
        // First RIFF, then any RIFF 'AVIX' extensions (OpenDML files over 1–4 GB).
        var pos: Int64 = 12
        var end = riffEnd
        while true {
            while pos + 8 <= end {
                let h = try file.bytes(at: pos, count: 12)
                guard h.count >= 8 else { break }
                let id = h.fourCC(0)
                let size = Int64(h.u32(4))
                let dataEnd = min(pos + 8 + size, file.size)
                if id == "LIST", h.count == 12 {
                    let type = h.fourCC(8)
                    if type == "hdrl" {
                        guard size <= 1 << 20 else {
                            throw VideoError.corrupt(path: path, reason: "header list of \(size) bytes is implausibly large")
                        }
                        hdrl = try file.bytes(at: pos + 12, count: Int(size) - 4)
                    } else if type == "movi" {
                        if moviFourCC == nil { moviFourCC = pos + 8 }
                        moviLists.append((pos + 12, dataEnd))
                    }
                } else if id == "idx1", idx1 == nil {
                    guard size <= Int64(AVIIndexBuilder.maxIndexBytes) else {
                        throw VideoError.corrupt(path: path, reason: "idx1 of \(size) bytes is implausibly large")
                    }
                    idx1 = try file.bytes(at: pos + 8, count: Int(size))
                }
                pos += 8 + size + (size & 1)
            }
            // Another RIFF chunk after this one?
            let next = try file.bytes(at: end, count: 12)
            guard next.count == 12, next.fourCC(0) == "RIFF", next.fourCC(8) == "AVIX" else { break }
            pos = end + 12
            end = min(file.size, end + 8 + Int64(next.u32(4)))
        }
        guard let hdrl else { throw VideoError.corrupt(path: path, reason: "no 'hdrl' header list") }
        let stream = try AVIStreamHeader.parse(hdrl, path: path)
        width = stream.width
        height = stream.height
        frameRate = stream.frameRate
        bitsPerPixel = stream.bitsPerPixel
        isBottomUp = stream.bottomUp
        rowStride = ((width * bitsPerPixel / 8) + 3) & ~3
        guard rowStride * height <= Self.maxFrameBytes else {
            throw VideoError.unsupportedFormat(path: path, reason: "\(width)×\(height) frames are too large")
        }
        buffer = [UInt8](repeating: 0, count: rowStride * height)

        let streamID = String(format: "%02d", stream.streamNumber)
        if let indx = stream.superIndex, let built = try AVIIndexBuilder.fromSuperIndex(indx, file: file), built.count > 0 {
            index = built
            indexSource = "indx"
        } else if let idx1, let moviFourCC,
            let built = try AVIIndexBuilder.fromIdx1(idx1, moviFourCCOffset: moviFourCC, streamID: streamID, file: file)
        {
            index = built
            indexSource = "idx1"
        } else {
            guard !moviLists.isEmpty else { throw VideoError.corrupt(path: path, reason: "no 'movi' list") }
            index = try AVIIndexBuilder.scan(moviLists: moviLists, streamID: streamID, file: file)
            indexSource = "scan"
        }
    }

    /// Reads frame `i` (0-based) into a new frame.
    public func readFrame(_ i: Int) throws -> VideoFrame {
        var frame = VideoFrame(width: width, height: height)
        try readFrame(i, into: &frame)
        return frame
    }

    /// Reads frame `i` into `frame`, reusing its storage. A zero-length chunk (a dropped frame
    /// in AVI) repeats the previous frame. Short or missing data throws `VideoError.truncated`.
    public func readFrame(_ i: Int, into frame: inout VideoFrame) throws {
        precondition(i >= 0 && i < index.count, "frame \(i) outside 0..<\(index.count)")
        if frame.width != width || frame.height != height || frame.rgb.count != width * height * 3 {
            frame = VideoFrame(width: width, height: height)
        }
        let size = Int(index.sizes[i])
        let needed = rowStride * height
        if size == 0, let previous {
            frame = previous
            return
        }
        // Some writers store rows unpadded; accept that exact size too.
        let packedStride = width * bitsPerPixel / 8
        let stride: Int
        if size >= needed {
            stride = rowStride
        } else if size == packedStride * height {
            stride = packedStride
        } else {
            throw VideoError.truncated(path: path, frame: i, reason: "frame chunk holds \(size) bytes, expected \(needed)")
        }
        let want = stride * height
        let offset = index.offsets[i]
        let got = try buffer.withUnsafeMutableBytes { try file.read(into: $0.baseAddress!, count: want, at: offset) }
        if got < want {
            throw VideoError.truncated(path: path, frame: i, reason: "file ends after \(got) of \(want) bytes of the frame")
        }
        let w = width, h = height, bpp = bitsPerPixel / 8, bottomUp = isBottomUp
        buffer.withUnsafeBufferPointer { src in
            frame.rgb.withUnsafeMutableBufferPointer { dst in
                for row in 0..<h {
                    let srcRow = bottomUp ? h - 1 - row : row
                    var s = srcRow * stride
                    var d = row * w * 3
                    for _ in 0..<w {
                        dst[d] = src[s + 2]
                        dst[d + 1] = src[s + 1]
                        dst[d + 2] = src[s]
                        s += bpp
                        d += 3
                    }
                }
            }
        }
        previous = frame
    }
}
