/// Frames to crop, from an AVI or from a folder of images (PURE): what ``FaceCrop`` needs.
public protocol FrameSource {
    var width: Int { get }
    var height: Int { get }
    var frameCount: Int { get }
    /// Frames per second (PURE: from the image timestamps).
    var frameRate: Double { get }
    /// Decodes frame `i` into `frame` (already `width × height`).
    func readFrame(_ i: Int, into frame: inout VideoFrame) throws
}

extension AVIReader: FrameSource {}
