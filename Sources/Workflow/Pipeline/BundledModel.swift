import Foundation
import RPPG

/// The bundled checkpoints (`Models/<model>_default.pth`, model card beside them) and the INT8
/// QDQ model `rppg monitor` runs (`Models/tinypulse_default_int8_qdq.onnx`).
/// Looked up, in order: `$RPPG_MODELS`, `./Models` (running from the repository), the folder
/// two levels above the executable (`.build/<config>/rppg` in a checkout), and the source
/// checkout this binary was built from.
public enum BundledModel {
    /// The model `rppg pipeline` runs when given none. TinyPulse: TinyPulse2D (all of it on the
    /// STM32N6's NPU) matches it per video but reads 128-frame windows worse, so it is bundled as
    /// `--model tinypulse2d` rather than the default (Models/MODEL_CARD.md has the numbers).
    public static let defaultArchitecture: ZooArchitecture = .tinyPulse
    /// The zoo models a checkpoint is bundled for.
    public static let architectures: [ZooArchitecture] = [.tinyPulse, .tinyPulse2D]

    /// `Models/<model>_default.pth`.
    public static func fileName(_ a: ZooArchitecture) -> String { "\(a.rawValue)_default.pth" }
    public static var fileName: String { fileName(defaultArchitecture) }
    /// The INT8 model `rppg monitor` runs by default.
    public static let int8FileName = "tinypulse_default_int8_qdq.onnx"

    /// The bundled checkpoint of `architecture`, nil when none is bundled or found.
    public static func url(_ architecture: ZooArchitecture) -> URL? {
        architectures.contains(architecture) ? locate(fileName(architecture)) : nil
    }
    public static var url: URL? { url(defaultArchitecture) }

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
