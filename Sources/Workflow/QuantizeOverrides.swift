import Foundation
import Quantization

extension QuantizeModel {
    /// Reads ORT's `TensorQuantOverrides` as JSON: `{"tensor": [{"scale": s, "zero_point": z}]}` or
    /// `{"tensor": [{"rmin": a, "rmax": b, "symmetric": true}]}` (each side optional). Per-channel
    /// lists, `quant_type` (use `--int16`) and weights are refused with the reason, not ignored.
    public static func loadOverrides(_ url: URL) throws -> [String: ActivationOverride] {
        func fail(_ why: String) -> CalibrationData.FileError { .init(path: url.path, reason: why) }
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw fail("cannot be read (\(error.localizedDescription)); check the path given to --overrides") }
        guard let root = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw fail("is not a JSON object of tensor names; see rppg quantize --help for the form")
        }
        var result: [String: ActivationOverride] = [:]
        for (name, value) in root {
            guard let list = value as? [[String: Any]], list.count == 1, let entry = list.first else {
                throw fail("'\(name)' must map to a list of one object (per-channel overrides are for weights, which cannot be overridden here)")
            }
            let known: Set<String> = ["scale", "zero_point", "rmin", "rmax", "symmetric"]
            if entry["quant_type"] != nil {
                throw fail("'\(name)' has 'quant_type', which this file does not carry: for 16-bit (QInt16) pass the tensor to rppg quantize --int16 \(name)")
            }
            if let other = entry.keys.first(where: { !known.contains($0) }) {
                throw fail("'\(name)' has the key '\(other)', which is not supported (use scale + zero_point, or rmin/rmax/symmetric)")
            }
            // Typed values through JSONDecoder: it tells `true` from `1`, which JSONSerialization does not.
            struct Entry: Decodable {
                var scale: Double?, zero_point: Double?, rmin: Double?, rmax: Double?, symmetric: Bool?
            }
            let typed: Entry
            do {
                let one = try JSONSerialization.data(withJSONObject: entry)
                typed = try JSONDecoder().decode(Entry.self, from: one)
            } catch {
                throw fail("'\(name)' has a value of the wrong type: scale, zero_point, rmin and rmax are numbers, symmetric is true or false")
            }
            if typed.scale != nil || typed.zero_point != nil {
                guard let scale = typed.scale, let zp = typed.zero_point, zp == zp.rounded(), entry.count == 2 else {
                    throw fail("'\(name)' needs both scale and an integer zero_point, and nothing else")
                }
                result[name] = .parameters(scale: Float(scale), zeroPoint: Int32(clamping: Int(zp)))
            } else {
                let lo = typed.rmin.map(Float.init), hi = typed.rmax.map(Float.init)
                if let lo, let hi, lo > hi { throw fail("'\(name)' has rmin \(lo) above rmax \(hi)") }
                result[name] = .range(min: lo, max: hi, symmetric: typed.symmetric)
            }
        }
        return result
    }
}
