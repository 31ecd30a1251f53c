import Foundation
import Testing

/// Loads the JSON fixtures written by `Tools/make_signal_fixtures.py` (numpy/scipy outputs).
enum SignalFixtures {
    static func load(_ name: String) throws -> [String: Any] {
        let root = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        let data = try Data(contentsOf: root.appendingPathComponent("signal").appendingPathComponent(name))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }
}

extension Dictionary where Key == String, Value == Any {
    func doubles(_ key: String) throws -> [Double] {
        try #require(self[key] as? [Any], "missing array \(key)").map { try #require(($0 as? NSNumber)?.doubleValue) }
    }
    func double(_ key: String) throws -> Double {
        try #require((self[key] as? NSNumber)?.doubleValue, "missing number \(key)")
    }
    func matrix(_ key: String) throws -> [[Double]] {
        try #require(self[key] as? [[Any]], "missing matrix \(key)").map { row in try row.map { try #require(($0 as? NSNumber)?.doubleValue) } }
    }
    func objects(_ key: String) throws -> [[String: Any]] {
        try #require(self[key] as? [[String: Any]], "missing list \(key)")
    }
}

/// Largest |a − b| relative to the largest |b| (1 when b is all zeros).
func maxRelativeError(_ a: [Double], _ b: [Double]) -> Double {
    precondition(a.count == b.count)
    let scale = max(b.map { abs($0) }.max() ?? 0, 1e-300)
    return zip(a, b).map { abs($0 - $1) }.max().map { $0 / scale } ?? 0
}
