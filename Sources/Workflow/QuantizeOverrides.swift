import Foundation
import Quantization
import TensorCore

extension QuantizeModel {
    /// ORT's `TensorQuantOverrides` for activations, as `--overrides` reads them.
    public struct Overrides: Sendable, Equatable {
        /// Given scale/zero point or range per tensor.
        public var activations: [String: ActivationOverride] = [:]
        /// Tensors whose `quant_type` is `QInt16` (what `--int16` names).
        public var int16: Set<String> = []

        /// Adds them to `options` (beside what `--int16` already named).
        public func apply(to options: inout QuantizationOptions) {
            options.overrides.merge(activations) { _, new in new }
            options.int16Activations.formUnion(int16)
        }
    }

    /// Reads ORT's `TensorQuantOverrides` as JSON: `{"tensor": [{"scale": s, "zero_point": z}]}` or
    /// `{"tensor": [{"rmin": a, "rmax": b, "symmetric": true}]}` (each side optional), each with an
    /// optional `"quant_type"` (ORT's `QuantType` names: `QInt16` makes the tensor 16-bit as
    /// `--int16` does; the activation type itself changes nothing). Per-channel lists, other
    /// types and weights are refused with the reason, not ignored.
    public static func loadOverrides(_ url: URL, activationType: DType = .int8) throws -> Overrides {
        func fail(_ why: String) -> CalibrationData.FileError { .init(path: url.path, reason: why) }
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw fail("cannot be read (\(error.localizedDescription)); check the path given to --overrides") }
        guard let root = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw fail("is not a JSON object of tensor names; see rppg quantize --help for the form")
        }
        var result = Overrides()
        let ownType = activationType == .uint8 ? "QUInt8" : "QInt8"
        for (name, value) in root {
            guard let list = value as? [[String: Any]], list.count == 1, let given = list.first else {
                throw fail("'\(name)' must map to a list of one object (per-channel overrides are for weights, which cannot be overridden here)")
            }
            let known: Set<String> = ["scale", "zero_point", "rmin", "rmax", "symmetric", "quant_type"]
            var entry = given
            if let type = entry.removeValue(forKey: "quant_type") {
                switch type as? String {
                case "QInt16"?: result.int16.insert(name)
                case ownType?: break
                default:
                    throw fail("'\(name)' has quant_type \(type); use \"QInt16\" (16-bit, as --int16) or the activation type \"\(ownType)\" (mixed int8/uint8 and QUInt16 are not supported)")
                }
                if entry.isEmpty { continue }
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
                result.activations[name] = .parameters(scale: Float(scale), zeroPoint: Int32(clamping: Int(zp)))
            } else {
                let lo = typed.rmin.map(Float.init), hi = typed.rmax.map(Float.init)
                if let lo, let hi, lo > hi { throw fail("'\(name)' has rmin \(lo) above rmax \(hi)") }
                result.activations[name] = .range(min: lo, max: hi, symmetric: typed.symmetric)
            }
        }
        return result
    }
}
