import Foundation
import TensorCore
import TorchIO

/// The canonical text of a value, as `render` in Tools/make_torchio_fixtures.py writes it: the
/// tests compare it with the `.expected.txt` files byte for byte, so every value is exact.
func render(_ v: PickleValue) -> String {
    func hex<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        bytes.map { String(format: "%02x", $0) }.joined()
    }
    switch v {
    case .none: return "None"
    case .bool(let b): return b ? "True" : "False"
    case .int(let i): return "int(\(i))"
    case .bigInt(let b): return "bigint(\(hex(b)))"
    case .float(let d): return "float(\(withUnsafeBytes(of: d.bitPattern.littleEndian) { hex($0) }))"
    case .string(let s): return "str(\(hex(s.utf8)))"
    case .bytes(let b): return "bytes(\(hex(b)))"
    case .list(let items): return "[" + items.map(render).joined(separator: ",") + "]"
    case .tuple(let items): return "(" + items.map(render).joined(separator: ",") + ")"
    case .set(let items): return "set(" + items.map(render).joined(separator: ",") + ")"
    case .dict(let entries):
        return "{" + entries.map { render($0.key) + ":" + render($0.value) }.joined(separator: ",") + "}"
    case .tensor(let t):
        return
            "tensor(\(t.dtype.rawValue),[\(t.shape.map(String.init).joined(separator: ","))],\(t.withUnsafeBytes { hex($0) }))"
    case .opaque(let name, let args):
        return "opaque(\(name),[" + args.map(render).joined(separator: ",") + "])"
    }
}

enum Fixtures {
    static let folder = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!
    static func url(_ name: String) -> URL { folder.appendingPathComponent(name) }
    static func text(_ name: String) throws -> String {
        try String(contentsOf: url(name), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    }
    /// A fresh temporary folder for files a test writes.
    static func temporaryFolder() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
            "torchio-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }
}
