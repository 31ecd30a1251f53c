import Foundation
import TensorCore

/// The allow-list of globals and what "calling" each of them means. Modelled on torch's
/// `weights_only` unpickler: tensor rebuild functions, storage classes, dtypes, `OrderedDict`,
/// `torch.Size`, `torch.device`, `_codecs.encode` and a few builtin containers. Nothing is ever
/// executed: each allowed call is re-implemented here as plain data construction.
struct PickleCalls {
    let path: String
    let options: LoadOptions
    let arena: PickleArena

    /// Storage class name → element type (`torch.FloatStorage` → float32).
    static let storageTypes: [String: DType] = [
        "DoubleStorage": .float64, "FloatStorage": .float32, "HalfStorage": .float16,
        "BFloat16Storage": .bfloat16,
        "LongStorage": .int64, "IntStorage": .int32, "ShortStorage": .int16, "CharStorage": .int8,
        "ByteStorage": .uint8, "BoolStorage": .bool, "ComplexFloatStorage": .complex64,
        "ComplexDoubleStorage": .complex128,
        "UInt16Storage": .uint16, "UInt32Storage": .uint32, "UInt64Storage": .uint64,
    ]

    /// `torch.<name>` dtype globals.
    static let dtypes: [String: DType] = [
        "float64": .float64, "double": .float64, "float32": .float32, "float": .float32, "float16": .float16,
        "half": .float16,
        "bfloat16": .bfloat16, "int64": .int64, "long": .int64, "int32": .int32, "int": .int32,
        "int16": .int16, "short": .int16,
        "int8": .int8, "uint8": .uint8, "bool": .bool, "uint16": .uint16, "uint32": .uint32,
        "uint64": .uint64,
        "complex64": .complex64, "cfloat": .complex64, "complex128": .complex128, "cdouble": .complex128,
    ]

    static let callables: Set<String> = [
        "collections.OrderedDict", "torch._utils._rebuild_tensor", "torch._utils._rebuild_tensor_v2",
        "torch._utils._rebuild_tensor_v3", "torch._utils._rebuild_parameter",
        "torch._utils._rebuild_parameter_with_state",
        "torch._tensor._rebuild_from_type_v2", "torch.nn.parameter.Parameter", "torch.Tensor", "torch.Size",
        "torch.device",
        "_codecs.encode", "builtins.set", "builtins.frozenset", "builtins.bytearray", "builtins.complex",
        "torch.storage.UntypedStorage", "torch.storage.TypedStorage", "torch.UntypedStorage",
    ]

    /// Looks a global up: allowed ones become callable markers, the rest an error naming them
    /// (or an inert opaque value when the caller opted in).
    func global(_ module: String, _ name: String) throws -> PickleObject {
        // Protocol-2 pickles written by Python 2 name the builtins module differently.
        let module = module == "__builtin__" ? "builtins" : module
        let full = "\(module).\(name)"
        if module == "torch" || module == "torch.cuda" {
            if let d = PickleCalls.dtypes[name] { return .dtype(d) }
            if PickleCalls.storageTypes[name] != nil { return .global(full) }
        }
        if PickleCalls.callables.contains(full) { return .global(full) }
        if options.keepUnknownGlobals { return .opaque(.init(name: full, arguments: [], arena)) }
        throw TorchIOError.disallowedGlobal(path, full)
    }

    private func fail(_ what: String) -> TorchIOError { TorchIOError.corrupt(path, what) }

    /// REDUCE / NEWOBJ: applies an allowed callable to its arguments.
    func call(_ callable: PickleObject, arguments a: [PickleObject]) throws -> PickleObject {
        let name: String
        switch callable {
        case .global(let n): name = n
        case .opaque(let box): return .opaque(.init(name: box.name, arguments: box.arguments + a, arena))
        default: throw fail("a pickle calls something that is not a function")
        }
        func arg(_ i: Int) throws -> PickleObject {
            guard i < a.count else { throw fail("\(name) is called with \(a.count) arguments") }
            return a[i]
        }
        switch name {
        case "collections.OrderedDict":
            let box = PickleObject.DictBox(arena)
            if case .list(let items)? = a.first {
                for item in items.items {
                    guard let kv = item.tupleItems, kv.count == 2 else {
                        throw fail("OrderedDict items are not pairs")
                    }
                    box.entries.append((kv[0], kv[1]))
                }
            }
            return .dict(box)
        case "torch._utils._rebuild_tensor", "torch._utils._rebuild_tensor_v2":
            return .tensor(try tensorSpec(try arg(0), try arg(1), try arg(2), try arg(3), dtype: nil))
        case "torch._utils._rebuild_tensor_v3":
            guard case .dtype(let d) = try arg(6) else { throw fail("_rebuild_tensor_v3 without a dtype") }
            return .tensor(try tensorSpec(try arg(0), try arg(1), try arg(2), try arg(3), dtype: d))
        case "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state",
            "torch.nn.parameter.Parameter":
            return try arg(0)
        case "torch._tensor._rebuild_from_type_v2":
            guard let inner = try arg(2).tupleItems else {
                throw fail("_rebuild_from_type_v2 arguments are not a tuple")
            }
            return try call(try arg(0), arguments: inner)
        case "torch.Size":
            if try arg(0).tupleItems != nil { return a[0] }
            if case .list(let box) = a[0] { return .tuple(box.items, arena) }
            throw fail("torch.Size of something that is not a tuple")
        case "torch.device":
            let parts = try a.map { o -> String in
                switch o {
                case .value(.string(let s)): return s
                case .value(.int(let i)): return String(i)
                default: throw fail("torch.device with a non-string argument")
                }
            }
            return .value(.string(parts.joined(separator: ":")))
        case "_codecs.encode":
            guard case .value(.string(let s)) = try arg(0) else {
                throw fail("_codecs.encode of a non-string")
            }
            let encoding = a.count > 1 ? (try? PickleCalls.string(a[1])) ?? "utf-8" : "utf-8"
            if encoding.lowercased().replacingOccurrences(of: "-", with: "") == "latin1" {
                var out: [UInt8] = []
                out.reserveCapacity(s.unicodeScalars.count)
                for u in s.unicodeScalars {
                    guard u.value < 256 else { throw fail("_codecs.encode: character outside latin-1") }
                    out.append(UInt8(u.value))
                }
                return .value(.bytes(out))
            }
            return .value(.bytes(Array(s.utf8)))
        case "builtins.set", "builtins.frozenset":
            let box = PickleObject.SetBox(arena)
            box.frozen = name == "builtins.frozenset"
            switch a.first {
            case .list(let l)?: box.items = l.items
            case .tupleBox(let t)?: box.items = t.items
            case .set(let s)?: box.items = s.items
            default: break
            }
            return .set(box)
        case "builtins.bytearray":
            if case .value(.bytes)? = a.first { return a[0] }
            return .value(.bytes([]))
        default:
            // Storage classes, complex, Tensor: kept inert with their arguments.
            return .opaque(.init(name: name, arguments: a, arena))
        }
    }

    /// BUILD: state attached to an object (an OrderedDict's `_metadata`, a tensor's hooks).
    /// Data containers ignore it; an opaque object keeps it as a last argument.
    func build(_ target: PickleObject, state: PickleObject) {
        if case .opaque(let box) = target { box.arguments.append(state) }
    }

    private func tensorSpec(
        _ storage: PickleObject, _ offset: PickleObject, _ size: PickleObject, _ stride: PickleObject,
        dtype: DType?
    ) throws -> TensorSpec {
        guard case .storage(let ref) = storage else {
            throw fail("a tensor is rebuilt from something that is not a storage")
        }
        let shape = try PickleCalls.ints(size, path: path)
        let strides = try PickleCalls.ints(stride, path: path)
        guard case .value(.int(let off)) = offset, off >= 0, off < Int64(Int32.max) * 64 else {
            throw fail("bad tensor storage offset")
        }
        guard shape.count == strides.count, shape.count <= 64 else {
            throw fail("tensor size \(shape) and stride \(strides) disagree")
        }
        return TensorSpec(
            storage: ref, dtype: dtype ?? ref.dtype, offset: Int(off), shape: shape, strides: strides)
    }

    static func ints(_ o: PickleObject, path: String) throws -> [Int] {
        let items: [PickleObject]
        switch o {
        case .tupleBox(let t): items = t.items
        case .list(let l): items = l.items
        default: throw TorchIOError.corrupt(path, "a tensor size or stride is not a tuple")
        }
        return try items.map {
            guard case .value(.int(let v)) = $0, v >= 0, v <= Int64(1) << 48 else {
                throw TorchIOError.corrupt(path, "a tensor size or stride is out of range")
            }
            return Int(v)
        }
    }

    static func string(_ o: PickleObject) throws -> String {
        guard case .value(.string(let s)) = o else {
            throw Unpickler.PickleFailure.message("expected a string")
        }
        return s
    }

    /// LONG1/LONG4 payload: little-endian two's complement.
    static func long(_ bytes: [UInt8]) -> PickleValue {
        if bytes.isEmpty { return .int(0) }
        if bytes.count > 8 { return .bigInt(bytes) }
        var v: UInt64 = 0
        for (i, b) in bytes.enumerated() { v |= UInt64(b) << (8 * UInt64(i)) }
        if bytes.count < 8, bytes.last! & 0x80 != 0 { v |= ~UInt64(0) << (8 * UInt64(bytes.count)) }
        return .int(Int64(bitPattern: v))
    }

    /// Protocol-0 STRING argument: a quoted Python repr.
    static func unquote(_ s: String) -> String {
        var t = Substring(s)
        if t.count >= 2, let f = t.first, f == t.last, f == "'" || f == "\"" { t = t.dropFirst().dropLast() }
        return t.replacingOccurrences(of: "\\'", with: "'").replacingOccurrences(of: "\\\\", with: "\\")
    }

    /// Protocol-0 UNICODE argument: raw-unicode-escape (`\uXXXX` escapes).
    static func rawUnicodeEscape(_ s: String) -> String {
        guard s.contains("\\u") || s.contains("\\U") else { return s }
        var out = ""
        var chars = Array(s)
        var i = 0
        while i < chars.count {
            if chars[i] == "\\", i + 1 < chars.count, chars[i + 1] == "u" || chars[i + 1] == "U" {
                let n = chars[i + 1] == "u" ? 4 : 8
                if i + 2 + n <= chars.count, let v = UInt32(String(chars[(i + 2)..<(i + 2 + n)]), radix: 16),
                    let u = Unicode.Scalar(v)
                {
                    out.unicodeScalars.append(u)
                    i += 2 + n
                    continue
                }
            }
            out.append(chars[i])
            i += 1
        }
        return out
    }
}
