import Foundation
import RPPG
import TensorCore
import TorchIO

/// What `rppg inspect FILE` reports. Encoded as the `--json` output (schema in docs/inspect-json.md):
/// keys are stable; optional fields are absent when unknown.
public struct InspectReport: Codable, Sendable {
    /// Version of this JSON schema.
    public var schemaVersion = 1
    public var file: String
    public var fileBytes: Int
    /// `pytorch-checkpoint` (other kinds, such as ONNX models, are added by their readers).
    public var kind: String
    /// `zip` or `legacy` for PyTorch files.
    public var format: String?
    /// `little` or `big`.
    public var byteOrder: String?
    /// The root object: for a dict one entry per key, else one entry with key `""`.
    public var topLevel: [TopLevelEntry]
    /// Every tensor in the file, depth first, with its dotted path.
    public var tensors: [TensorEntry]
    /// The model weights, when a state dict was found.
    public var stateDict: StateDictSummary?
    public var metadata: Metadata

    public struct TopLevelEntry: Codable, Sendable {
        public var key: String
        /// `dict`, `list`, `tuple`, `set`, `tensor`, `int`, `float`, `bool`, `string`, `bytes`, `none`, `opaque`.
        public var type: String
        /// A short human description (`79 entries`, `7`, `float32 [16, 3]`).
        public var summary: String
    }

    public struct TensorEntry: Codable, Sendable {
        public var path: String
        public var dtype: String
        public var shape: [Int]
        public var elements: Int
    }

    public struct StateDictSummary: Codable, Sendable {
        /// Where it was found (`model_state_dict`, `state_dict`, `model`, `net`), absent for the root.
        public var foundUnder: String?
        public var tensorCount: Int
        /// Total elements of the state dict's tensors (BatchNorm buffers included, as PyTorch counts them).
        public var parameterCount: Int
        /// `module.` when every key has nn.DataParallel's prefix (keys are listed with it).
        public var modulePrefix: String?
        public var keys: [String]
        /// The zoo model the keys and shapes fit (`tinypulse`, `physnet`, `factorizephys`), absent when none.
        public var architecture: String?
        /// Hyper-parameters the shapes imply (widths, frames, input size).
        public var hyperparameters: [String: String]?
        /// Keys the detected model does not use at inference (FactorizePhys's FSAM), reported, not hidden.
        public var unusedKeys: [String]?
        /// Why no zoo model fits (closest model and differing keys), when none does.
        public var architectureMismatch: String?
        /// Other zoo models with the same keys and shapes (TS-CAN and DeepPhys); `--model` chooses.
        public var alsoFits: [String]?
    }

    public struct Metadata: Codable, Sendable {
        public var epoch: Int?
        public var valMAE: Double?
    }
}

/// `rppg inspect`: what a model file holds.
public enum Inspect {
    /// Reads `url` and describes it. PyTorch files are recognised by their first bytes (zip magic or
    /// a pickle PROTO opcode); any other file goes to ``inspectOtherFormat(_:)``.
    public static func run(_ url: URL) throws -> InspectReport {
        let head = try firstBytes(url, count: 4)
        if isPyTorchFile(head) { return try inspectCheckpoint(url) }
        return try inspectOtherFormat(url, firstBytes: head)
    }

    /// True for the zip magic `PK\x03\x04` / `PK\x05\x06` or a pickle PROTO opcode (legacy files).
    public static func isPyTorchFile(_ head: [UInt8]) -> Bool {
        if head.count >= 4, head[0] == 0x50, head[1] == 0x4B,
            (head[2] == 0x03 && head[3] == 0x04) || (head[2] == 0x05 && head[3] == 0x06)
        {
            return true
        }
        return head.count >= 2 && head[0] == 0x80 && head[1] <= 5
    }

    /// Hook for formats other than PyTorch checkpoints. The ONNX reader plugs in here (an `.onnx`
    /// file is a protobuf, so it starts with neither zip nor pickle bytes): replace this body with a
    /// dispatch to its inspector, returning a report of another `kind`.
    static func inspectOtherFormat(_ url: URL, firstBytes: [UInt8]) throws -> InspectReport {
        throw InspectError(
            path: url.path, problem: "the file format is not recognised (it is not a PyTorch checkpoint)",
            advice: "pass a .pt or .pth file written by torch.save")
    }

    static func firstBytes(_ url: URL, count: Int) throws -> [UInt8] {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) else {
            throw InspectError(path: url.path, problem: "no such file", advice: "check the path")
        }
        guard !isFolder.boolValue, let handle = FileHandle(forReadingAtPath: url.path) else {
            throw InspectError(
                path: url.path,
                problem: isFolder.boolValue ? "this is a folder, not a file" : "the file cannot be opened",
                advice: "pass the path of a model file and check its permissions")
        }
        defer { try? handle.close() }
        let data = (try? handle.read(upToCount: count)) ?? Data()
        guard !data.isEmpty else {
            throw InspectError(
                path: url.path, problem: "the file is empty", advice: "copy or download the file again")
        }
        return [UInt8](data)
    }

    static func inspectCheckpoint(_ url: URL) throws -> InspectReport {
        let contents = try TorchFile.read(url)
        let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
        var tensors: [InspectReport.TensorEntry] = []
        collectTensors(contents.value, path: "", into: &tensors)
        let checkpoint = try? Checkpoint(root: contents.value, source: url.path, stripModulePrefix: false)
        let stateDict = checkpoint.map { c in
            var summary = InspectReport.StateDictSummary(
                foundUnder: c.stateDictKey, tensorCount: c.stateDict.entries.count,
                parameterCount: c.stateDict.parameterCount,
                modulePrefix: c.detectedPrefix, keys: c.stateDict.keys)
            do {
                let match = try ModelZoo.detect(c)
                summary.architecture = match.architecture.rawValue
                summary.hyperparameters = match.hyperparameters
                summary.unusedKeys = match.unusedKeys
                if !match.alsoFits.isEmpty { summary.alsoFits = match.alsoFits.map(\.rawValue) }
            } catch {
                summary.architectureMismatch = "\(error)"
            }
            return summary
        }
        return InspectReport(
            file: url.path, fileBytes: size, kind: "pytorch-checkpoint", format: contents.format.rawValue,
            byteOrder: contents.byteOrder, topLevel: topLevel(contents.value), tensors: tensors,
            stateDict: stateDict,
            metadata: .init(
                epoch: checkpoint?.epoch ?? contents.value["epoch"]?.intValue,
                valMAE: checkpoint?.valMAE ?? contents.value["val_mae"]?.doubleValue))
    }

    static func keyText(_ k: PickleValue) -> String {
        switch k {
        case .string(let s): return s
        case .int(let i): return String(i)
        default: return describe(k).summary
        }
    }

    static func collectTensors(_ v: PickleValue, path: String, into out: inout [InspectReport.TensorEntry]) {
        func join(_ p: String, _ k: String) -> String { p.isEmpty ? k : "\(p).\(k)" }
        switch v {
        case .tensor(let t):
            out.append(.init(path: path, dtype: t.dtype.rawValue, shape: t.shape, elements: t.elementCount))
        case .dict(let entries):
            for e in entries { collectTensors(e.value, path: join(path, keyText(e.key)), into: &out) }
        case .list(let items), .tuple(let items), .set(let items):
            for (i, x) in items.enumerated() { collectTensors(x, path: join(path, String(i)), into: &out) }
        case .opaque(_, let args):
            for (i, x) in args.enumerated() { collectTensors(x, path: join(path, String(i)), into: &out) }
        default: break
        }
    }

    static func describe(_ v: PickleValue) -> (type: String, summary: String) {
        switch v {
        case .none: return ("none", "None")
        case .bool(let b): return ("bool", b ? "True" : "False")
        case .int(let i): return ("int", String(i))
        case .bigInt(let b): return ("int", "\(b.count)-byte integer")
        case .float(let d): return ("float", String(d))
        case .string(let s): return ("string", s.count > 60 ? String(s.prefix(57)) + "..." : s)
        case .bytes(let b): return ("bytes", "\(b.count) bytes")
        case .list(let x): return ("list", "\(x.count) items")
        case .tuple(let x): return ("tuple", "\(x.count) items")
        case .set(let x): return ("set", "\(x.count) items")
        case .dict(let x):
            let tensors = x.filter { if case .tensor = $0.value { return true } else { return false } }.count
            return ("dict", "\(x.count) entries" + (tensors > 0 ? " (\(tensors) tensors)" : ""))
        case .tensor(let t): return ("tensor", "\(t.dtype.rawValue) \(t.shape)")
        case .opaque(let name, _): return ("opaque", name)
        }
    }

    static func topLevel(_ v: PickleValue) -> [InspectReport.TopLevelEntry] {
        if case .dict(let entries) = v {
            return entries.map { e in
                let d = describe(e.value)
                return .init(key: keyText(e.key), type: d.type, summary: d.summary)
            }
        }
        let d = describe(v)
        return [.init(key: "", type: d.type, summary: d.summary)]
    }
}

/// A file `rppg inspect` cannot describe.
public struct InspectError: UserFacingError {
    public var path: String
    public var problem: String
    public var advice: String
    public var description: String { "\(path): \(problem); \(advice)." }
}

extension InspectReport {
    /// Pretty-printed JSON with sorted keys (the `--json` output).
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// The human-readable report.
    public func text() -> String {
        var lines: [String] = []
        lines.append("File:        \(file) (\(fileBytes) bytes)")
        lines.append(
            "Kind:        \(kind)" + (format.map { " (\($0) format, \(byteOrder ?? "little")-endian)" } ?? "")
        )
        if metadata.epoch != nil || metadata.valMAE != nil {
            lines.append(
                "Metadata:    "
                    + [metadata.epoch.map { "epoch \($0)" }, metadata.valMAE.map { "val_mae \($0)" }]
                    .compactMap { $0 }.joined(separator: ", "))
        }
        if topLevel.count > 12, topLevel.allSatisfy({ $0.type == "tensor" }) {
            lines.append("Top level:   a dict of \(topLevel.count) tensors (a bare state dict)")
        } else {
            lines.append("Top level:")
            for e in topLevel {
                lines.append("  \(e.key.isEmpty ? "(root)" : e.key): \(e.type), \(e.summary)")
            }
        }
        if let sd = stateDict {
            lines.append(
                "State dict:  \(sd.tensorCount) tensors, \(sd.parameterCount) parameters"
                    + (sd.foundUnder.map { ", under '\($0)'" } ?? ", at the root")
                    + (sd.modulePrefix.map { ", keys prefixed '\($0)' (nn.DataParallel)" } ?? ""))
            if let arch = sd.architecture {
                let hp = (sd.hyperparameters ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
                lines.append("Model:       \(arch)" + (hp.isEmpty ? "" : " (\(hp.joined(separator: ", ")))"))
                if let unused = sd.unusedKeys, !unused.isEmpty {
                    lines.append("             unused at inference: \(unused.joined(separator: ", "))")
                }
                if let others = sd.alsoFits {
                    lines.append("             the same keys fit \(others.joined(separator: ", ")): pass --model to choose")
                }
            } else if let why = sd.architectureMismatch {
                lines.append("Model:       no zoo model fits. \(why)")
            }
        } else {
            lines.append("State dict:  none found")
        }
        lines.append("Tensors (\(tensors.count)):")
        let width = min(tensors.map(\.path.count).max() ?? 0, 60)
        for t in tensors {
            lines.append(
                "  " + t.path.padding(toLength: max(width, t.path.count), withPad: " ", startingAt: 0)
                    + "  \(t.dtype.padding(toLength: 8, withPad: " ", startingAt: 0)) \(t.shape)")
        }
        return lines.joined(separator: "\n")
    }
}
