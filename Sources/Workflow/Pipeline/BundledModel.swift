import Foundation

/// The bundled default checkpoint (`Models/tinypulse_default.pth`, model card beside it) and its
/// INT8 QDQ model (`Models/tinypulse_default_int8_qdq.onnx`, what `rppg pipeline` makes of it).
/// Looked up, in order: `$RPPG_MODELS`, `./Models` (running from the repository), the folder
/// two levels above the executable (`.build/<config>/rppg` in a checkout), and the source
/// checkout this binary was built from.
public enum BundledModel {
    public static let fileName = "tinypulse_default.pth"
    /// The INT8 model `rppg monitor` runs by default.
    public static let int8FileName = "tinypulse_default_int8_qdq.onnx"

    public static var url: URL? { locate(fileName) }

    /// The bundled INT8 QDQ model, nil when it is not found.
    public static var int8URL: URL? { locate(int8FileName) }

    static func locate(_ fileName: String) -> URL? {
        var candidates: [URL] = []
        if let env = ProcessInfo.processInfo.environment["RPPG_MODELS"] {
            candidates.append(URL(fileURLWithPath: env).appendingPathComponent(fileName))
        }
        candidates.append(URL(fileURLWithPath: "Models").appendingPathComponent(fileName))
        let exe = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath()
        var dir = exe.deletingLastPathComponent()
        for _ in 0..<4 {
            dir = dir.deletingLastPathComponent()
            candidates.append(dir.appendingPathComponent("Models").appendingPathComponent(fileName))
        }
        // Sources/Workflow/Pipeline/BundledModel.swift → repository root.
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(source.appendingPathComponent("Models").appendingPathComponent(fileName))
        return candidates.first { FileManager.default.fileExists(atPath: $0.path) }
    }
}
