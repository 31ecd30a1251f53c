import RPPG

extension HaarDetector {
    /// The detector of the cascade at `path`, or nil and a warning when it cannot be loaded: a
    /// missing cascade (opencv-data not installed) costs the face crop, not the whole run.
    static func loadOrWarn(path: String, warnings: inout [String], instead: String = "Using the whole frame.") throws -> HaarDetector? {
        do {
            return HaarDetector(cascade: try HaarCascade.load(path: path))
        } catch let error as FaceDetectionError {
            warnings.append("\(error.description) \(instead)")
        }
        return nil
    }
}
