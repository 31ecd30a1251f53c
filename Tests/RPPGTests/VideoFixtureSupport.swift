import Foundation
import Testing

/// Paths and metadata of the fixtures made by Tools/make_video_fixtures.py.
enum VideoFixtures {
    static var folder: URL {
        Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("video")
    }
    static func url(_ name: String) -> URL { folder.appendingPathComponent(name) }
    static func bytes(_ name: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: url(name))) }
    static func floats(_ name: String) throws -> [Float] {
        let d = try Data(contentsOf: url(name))
        return d.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }
    static func doubles(_ name: String) throws -> [Double] {
        let d = try Data(contentsOf: url(name))
        return d.withUnsafeBytes { Array($0.bindMemory(to: Double.self)) }
    }
    static func meta() throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: url("fixtures.json"))) as! [String: Any]
    }
    /// A fresh temporary folder for one test.
    static func temporaryFolder() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rppg-video-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }
}
