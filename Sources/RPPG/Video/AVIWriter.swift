import Foundation

/// Writes uncompressed AVI video: 24-bit BI_RGB, bottom-up BGR rows padded to 4 bytes, one
/// `00db` chunk per frame and an `idx1` index, in the layout FFmpeg and OpenCV read.
/// Frames stream to a temporary file; ``finish()`` patches the headers and renames it into
/// place, so a failed or abandoned write leaves no partial file.
///
/// ```swift
/// let writer = try AVIWriter(url: url, width: 160, height: 120, frameRate: 30)
/// try writer.append(frame)
/// try writer.finish()
/// ```
public final class AVIWriter {
    /// Where ``finish()`` puts the file.
    public let url: URL
    /// Frame size in pixels.
    public let width: Int
    public let height: Int
    /// Frames per second, stored as `rate / 1000`.
    public let frameRate: Double
    private let temporary: URL
    private let handle: FileHandle
    private var frameCount = 0
    private var rowStride: Int
    private var chunk: [UInt8]
    private var finished = false

    /// Byte offset of the `movi` list's size field and of its 'movi' FourCC.
    private let moviSizeOffset: UInt64
    private var moviFourCCOffset: UInt64 { moviSizeOffset + 4 }

    /// Starts a file at `url` (created on ``finish()``).
    public init(url: URL, width: Int, height: Int, frameRate: Double) throws {
        precondition(width > 0 && height > 0 && frameRate > 0)
        self.url = url
        self.width = width
        self.height = height
        self.frameRate = frameRate
        rowStride = (width * 3 + 3) & ~3
        chunk = [UInt8](repeating: 0, count: 8 + rowStride * height)
        let dir = url.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        } catch {
            throw VideoError.unwritable(path: url.path, reason: "cannot create folder \(dir.path)")
        }
        temporary = dir.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil),
            let h = try? FileHandle(forWritingTo: temporary)
        else { throw VideoError.unwritable(path: url.path, reason: "cannot create a temporary file in \(dir.path)") }
        handle = h
        let header = Self.header(width: width, height: height, frameRate: frameRate, frames: 0, rowStride: rowStride)
        moviSizeOffset = UInt64(header.count - 8)
        try write(header)
    }

    deinit {
        if !finished {
            try? handle.close()
            try? FileManager.default.removeItem(at: temporary)
        }
    }

    /// Appends one frame (its size must match the writer's).
    public func append(_ frame: VideoFrame) throws {
        precondition(frame.width == width && frame.height == height, "frame size does not match the video")
        let w = width, h = height, stride = rowStride
        chunk.withUnsafeMutableBufferPointer { dst in
            dst[0] = 0x30; dst[1] = 0x30; dst[2] = 0x64; dst[3] = 0x62  // "00db"
            Self.put32(UInt32(stride * h), into: dst, at: 4)
            frame.rgb.withUnsafeBufferPointer { src in
                for row in 0..<h {
                    var s = (h - 1 - row) * w * 3  // bottom-up
                    var d = 8 + row * stride
                    for _ in 0..<w {
                        dst[d] = src[s + 2]
                        dst[d + 1] = src[s + 1]
                        dst[d + 2] = src[s]
                        s += 3
                        d += 3
                    }
                }
            }
        }
        try write(chunk)
        frameCount += 1
    }

    /// Writes the index, patches the sizes and frame counts, and moves the file into place.
    public func finish() throws {
        precondition(!finished, "finish() called twice")
        let frameBytes = UInt32(rowStride * height)
        var idx = [UInt8](repeating: 0, count: 8 + 16 * frameCount)
        idx.withUnsafeMutableBufferPointer { b in
            b[0] = 0x69; b[1] = 0x64; b[2] = 0x78; b[3] = 0x31  // "idx1"
            Self.put32(UInt32(16 * frameCount), into: b, at: 4)
            for i in 0..<frameCount {
                let p = 8 + 16 * i
                b[p] = 0x30; b[p + 1] = 0x30; b[p + 2] = 0x64; b[p + 3] = 0x62
                Self.put32(0x10, into: b, at: p + 4)  // AVIIF_KEYFRAME
                Self.put32(UInt32(4 + i * (8 + Int(frameBytes))), into: b, at: p + 8)
                Self.put32(frameBytes, into: b, at: p + 12)
            }
        }
        try write(idx)
        let moviSize = 4 + UInt64(frameCount) * UInt64(8 + frameBytes)
        let total = moviSizeOffset + 4 + moviSize + UInt64(idx.count)
        guard total < UInt64(UInt32.max) else {
            throw VideoError.unwritable(path: url.path, reason: "the video exceeds 4 GB, which this writer does not support")
        }
        let header = Self.header(width: width, height: height, frameRate: frameRate, frames: frameCount, rowStride: rowStride)
        var patched = header
        patched.withUnsafeMutableBufferPointer { b in
            Self.put32(UInt32(total - 8), into: b, at: 4)
            Self.put32(UInt32(moviSize), into: b, at: Int(moviSizeOffset))
        }
        do {
            try handle.seek(toOffset: 0)
            try handle.write(contentsOf: Data(patched))
            try handle.synchronize()
            try handle.close()
        } catch {
            throw VideoError.unwritable(path: url.path, reason: error.localizedDescription)
        }
        finished = true
        if rename(temporary.path, url.path) != 0 {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw VideoError.unwritable(path: url.path, reason: reason)
        }
    }

    private func write(_ bytes: [UInt8]) throws {
        do { try handle.write(contentsOf: Data(bytes)) } catch {
            throw VideoError.unwritable(path: url.path, reason: error.localizedDescription)
        }
    }

    private static func put32(_ v: UInt32, into b: UnsafeMutableBufferPointer<UInt8>, at p: Int) {
        b[p] = UInt8(v & 0xff); b[p + 1] = UInt8(v >> 8 & 0xff); b[p + 2] = UInt8(v >> 16 & 0xff); b[p + 3] = UInt8(v >> 24)
    }

    /// RIFF header, hdrl (avih + one strl with strh/strf) and the start of the movi list.
    private static func header(width: Int, height: Int, frameRate: Double, frames: Int, rowStride: Int) -> [UInt8] {
        var b: [UInt8] = []
        func fourCC(_ s: String) { b += Array(s.utf8) }
        func u32(_ v: Int) { let x = UInt32(truncatingIfNeeded: v); b += [UInt8(x & 0xff), UInt8(x >> 8 & 0xff), UInt8(x >> 16 & 0xff), UInt8(x >> 24)] }
        func u16(_ v: Int) { b += [UInt8(v & 0xff), UInt8(v >> 8 & 0xff)] }
        // Express the rate as rate/scale with scale 1000 (29.97 → 29970/1000).
        let scale = 1000
        let rate = Int((frameRate * Double(scale)).rounded())
        let frameBytes = rowStride * height
        fourCC("RIFF"); u32(0); fourCC("AVI ")
        fourCC("LIST"); u32(4 + 64 + 12 + 64 + 48); fourCC("hdrl")
        fourCC("avih"); u32(56)
        u32(Int((1_000_000 / frameRate).rounded())); u32(Int(Double(frameBytes) * frameRate)); u32(0); u32(0x10)  // AVIF_HASINDEX
        u32(frames); u32(0); u32(1); u32(frameBytes); u32(width); u32(height); u32(0); u32(0); u32(0); u32(0)
        fourCC("LIST"); u32(4 + 64 + 48); fourCC("strl")
        fourCC("strh"); u32(56)
        fourCC("vids"); fourCC("DIB "); u32(0); u16(0); u16(0); u32(0); u32(scale); u32(rate); u32(0); u32(frames)
        u32(frameBytes); u32(-1); u32(0); u16(0); u16(0); u16(width); u16(height)
        fourCC("strf"); u32(40)
        u32(40); u32(width); u32(height); u16(1); u16(24); u32(0); u32(frameBytes); u32(0); u32(0); u32(0); u32(0)
        fourCC("LIST"); u32(4); fourCC("movi")
        return b
    }
}
