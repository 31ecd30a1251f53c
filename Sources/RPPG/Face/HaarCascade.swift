import Foundation
import TensorCore

/// A boosted cascade of Haar-feature stumps, as OpenCV's `CascadeClassifier` loads it from a
/// traincascade-format XML file (`haarcascade_frontalface_default.xml`).
public struct HaarCascade: Sendable {
    /// One rectangle of a Haar feature with its weight, in window coordinates.
    public struct WeightedRect: Sendable {
        public var x, y, width, height: Int
        public var weight: Float
    }
    /// A Haar feature: two or three weighted rectangles.
    public struct Feature: Sendable {
        public var rects: [WeightedRect]
    }
    /// A decision stump: `value < threshold ? left : right`.
    public struct Stump: Sendable {
        public var featureIndex: Int
        public var threshold: Float
        public var left: Float
        public var right: Float
    }
    /// A stage: the stumps' leaf sum must reach `threshold`.
    public struct Stage: Sendable {
        public var threshold: Float
        public var stumps: [Stump]
    }

    /// Detection window size (24×24 for the frontal face cascade).
    public var windowWidth: Int
    public var windowHeight: Int
    public var stages: [Stage]
    public var features: [Feature]

    /// Where Debian's `opencv-data` installs the default frontal face cascade.
    public static let defaultPath = "/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml"

    /// Loads the cascade at `path` (default: ``defaultPath``).
    public static func load(path: String = defaultPath) throws -> HaarCascade {
        let data: Data
        do { data = try FileBytes.read(path, limit: 64 << 20) } catch {
            switch error {
            case .missing: throw FaceDetectionError.cascadeNotFound(path: path)
            case .notRegularFile: throw FaceDetectionError.invalidCascade(path: path, reason: "not a regular file")
            case .tooLarge: throw FaceDetectionError.invalidCascade(path: path, reason: "larger than 64 MB")
            case .unreadable(let reason): throw FaceDetectionError.invalidCascade(path: path, reason: reason)
            }
        }
        return try parse(xml: [UInt8](data), path: path)
    }

    /// Parses the XML text of a cascade.
    public static func parse(xml: [UInt8], path: String) throws -> HaarCascade {
        func fail(_ why: String) -> FaceDetectionError { .invalidCascade(path: path, reason: why) }
        let doc = try CascadeXMLParser.parse(xml, path: path)
        guard let storage = doc.child("opencv_storage"), let root = storage.children.first else {
            throw fail("no <opencv_storage> element")
        }
        if root.child("stages") != nil && root.child("featureType") == nil {
            throw fail("it is in the old haartraining format; convert it with OpenCV's traincascade tools or use the new-format file")
        }
        guard root.child("stageType")?.text.trimmingCharacters(in: .whitespacesAndNewlines) == "BOOST",
            root.child("featureType")?.text.trimmingCharacters(in: .whitespacesAndNewlines) == "HAAR"
        else { throw fail("only BOOST cascades of HAAR features are supported") }
        guard let w = root.child("width")?.numbers.first, let h = root.child("height")?.numbers.first,
            w >= 1, h >= 1, w <= 1024, h <= 1024
        else { throw fail("missing or invalid window width/height") }
        let maxCat = root.child("featureParams")?.child("maxCatCount")?.numbers.first ?? 0
        guard maxCat == 0 else { throw fail("categorical (LBP-style) nodes are not supported") }
        guard let featureList = root.child("features")?.children, !featureList.isEmpty else { throw fail("no <features>") }
        var features: [Feature] = []
        features.reserveCapacity(featureList.count)
        for (fi, f) in featureList.enumerated() {
            if let t = f.child("tilted")?.numbers.first, t != 0 {
                throw fail("feature \(fi) is tilted; tilted Haar features are not supported")
            }
            guard let rects = f.child("rects")?.children, (2...3).contains(rects.count) else {
                throw fail("feature \(fi) must have 2 or 3 rectangles")
            }
            var out: [WeightedRect] = []
            for r in rects {
                let v = r.numbers
                guard v.count == 5 else { throw fail("feature \(fi) has a rectangle without 5 numbers") }
                // Int(Double) traps on NaN/huge values (fuzz finding, Fuzz/regressions/haar/).
                guard v[0..<4].allSatisfy({ $0.isFinite && abs($0) <= 4096 }), v[4].isFinite else {
                    throw fail("feature \(fi) has a rectangle outside the window")
                }
                let rect = WeightedRect(x: Int(v[0]), y: Int(v[1]), width: Int(v[2]), height: Int(v[3]), weight: Float(v[4]))
                guard rect.x >= 0, rect.y >= 0, rect.width >= 0, rect.height >= 0,
                    rect.x + rect.width <= Int(w), rect.y + rect.height <= Int(h)
                else { throw fail("feature \(fi) has a rectangle outside the window") }
                out.append(rect)
            }
            features.append(Feature(rects: out))
        }
        guard let stageList = root.child("stages")?.children, !stageList.isEmpty else { throw fail("no <stages>") }
        var stages: [Stage] = []
        for (si, s) in stageList.enumerated() {
            guard let t = s.child("stageThreshold")?.numbers.first, let weak = s.child("weakClassifiers")?.children else {
                throw fail("stage \(si) lacks stageThreshold or weakClassifiers")
            }
            var stumps: [Stump] = []
            for (wi, c) in weak.enumerated() {
                guard let nodes = c.child("internalNodes")?.numbers, let leaves = c.child("leafValues")?.numbers,
                    nodes.count == 4, leaves.count == 2
                else { throw fail("stage \(si) classifier \(wi) is not a stump (only stump cascades are supported)") }
                guard nodes[2].isFinite, abs(nodes[2]) <= 1e9 else { throw fail("stage \(si) classifier \(wi) has an invalid feature index") }
                let fi = Int(nodes[2])
                guard fi >= 0 && fi < features.count else { throw fail("stage \(si) classifier \(wi) uses feature \(fi), which does not exist") }
                stumps.append(Stump(featureIndex: fi, threshold: Float(nodes[3]), left: Float(leaves[0]), right: Float(leaves[1])))
            }
            // OpenCV subtracts a small epsilon from every stage threshold when loading.
            stages.append(Stage(threshold: Float(t) - 1e-5, stumps: stumps))
        }
        return HaarCascade(windowWidth: Int(w), windowHeight: Int(h), stages: stages, features: features)
    }
}
