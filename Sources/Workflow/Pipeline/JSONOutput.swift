import Foundation
import TensorCore

/// Writes a step's Codable summary as pretty, key-sorted JSON (stable across runs), atomically.
public enum JSONOutput {
    /// The JSON text of `value`.
    public static func encode<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try encoder.encode(value)
    }

    /// `value` as one compact JSON line (keys sorted), for outputs streamed a record at a time.
    public static func line<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// Reads a summary written by ``encode(_:)`` (non-finite numbers are the strings "nan", "inf", "-inf").
    public static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try decoder.decode(type, from: data)
    }

    /// Writes `value` to `url` (atomically), or to standard output when `url` is "-".
    public static func write<T: Encodable>(_ value: T, to path: String) throws {
        let data = try encode(value) + Data("\n".utf8)
        if path == "-" {
            FileHandle.standardOutput.write(data)
        } else {
            try AtomicFile.write(data, to: URL(fileURLWithPath: path))
        }
    }
}
