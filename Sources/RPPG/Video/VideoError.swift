import TensorCore

/// Problems reading or writing a video file; each message names the file and what to do.
public enum VideoError: UserFacingError, Equatable {
    /// The file could not be opened or read.
    case unreadable(path: String, reason: String)
    /// The RIFF structure is broken (bad magic, chunk sizes outside the file, missing headers).
    case corrupt(path: String, reason: String)
    /// The video stream uses a compressed codec this reader does not decode.
    case compressed(path: String, fourCC: String)
    /// A pixel format other than 24/32-bit BI_RGB.
    case unsupportedFormat(path: String, reason: String)
    /// The file ends (or a frame chunk is short) before frame `frame` is complete.
    case truncated(path: String, frame: Int, reason: String)
    /// A video could not be written.
    case unwritable(path: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let p, let r):
            return "Cannot read video \(p): \(r). Check that the file exists and is readable."
        case .corrupt(let p, let r):
            return "Video \(p) is not a valid AVI file: \(r). Re-export or re-download it."
        case .compressed(let p, let f):
            return "Video \(p) is compressed with codec '\(f)'; only uncompressed BI_RGB AVI is supported. Convert it with: ffmpeg -i \(p) -c:v rawvideo -pix_fmt bgr24 out.avi"
        case .unsupportedFormat(let p, let r):
            return "Video \(p) has an unsupported pixel format: \(r). Convert it with: ffmpeg -i \(p) -c:v rawvideo -pix_fmt bgr24 out.avi"
        case .truncated(let p, let f, let r):
            return "Video \(p) is truncated or corrupt at frame \(f): \(r). Re-download the file or leave this subject out."
        case .unwritable(let p, let r):
            return "Could not write video \(p): \(r). No partial file was left; check free disk space and permissions."
        }
    }
}
