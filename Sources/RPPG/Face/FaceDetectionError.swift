import TensorCore

/// Problems loading a Haar cascade.
public enum FaceDetectionError: UserFacingError, Equatable {
    case cascadeNotFound(path: String)
    case invalidCascade(path: String, reason: String)

    public var description: String {
        switch self {
        case .cascadeNotFound(let p):
            return "Haar cascade \(p) was not found. Install it with `apt-get install opencv-data` (it lands in /usr/share/opencv4/haarcascades/) or pass its path."
        case .invalidCascade(let p, let r):
            return "Haar cascade \(p) cannot be used: \(r). Use OpenCV's haarcascade_frontalface_default.xml (package opencv-data)."
        }
    }
}
