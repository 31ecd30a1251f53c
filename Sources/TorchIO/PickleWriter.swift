import Foundation
import TensorCore

/// Encodes a ``PickleValue`` as pickle protocol 2 using only the opcodes and globals that
/// `torch.save` emits and `torch.load(weights_only=True)` accepts. Tensors become
/// `_rebuild_tensor_v2` (or `_rebuild_tensor_v3` for uint16/32/64) over persistent-id storages;
/// the storages themselves are returned for the zip writer.
struct PickleWriter {
    /// One storage record `data/<index>`: the bytes `[start, start+byteCount)` shared by its tensors.
    struct Storage {
        var tensor: Tensor
        var start: UnsafeRawPointer?
        var byteCount: Int
    }

    private(set) var bytes: [UInt8] = [0x80, 2]
    private(set) var storages: [Storage] = []
    /// Tensor index (in encounter order) → (storage index, element offset).
    private var placement: [(storage: Int, offset: Int)] = []
    private var tensorCounter = 0
    let path: String

    /// Plans storages for `tensors`: views of the same bytes with one dtype share one record,
    /// as torch.save writes a storage once for all its views.
    init(tensors: [Tensor], path: String) {
        self.path = path
        let order = tensors.indices.sorted {
            PickleWriter.address(tensors[$0]) < PickleWriter.address(tensors[$1])
        }
        placement = Array(repeating: (0, 0), count: tensors.count)
        // Distinct storages never overlap in memory, so after sorting by address the views of one
        // storage form a run.
        var current: (index: Int, first: Tensor, end: UInt)?
        for i in order {
            let t = tensors[i]
            let a = PickleWriter.address(t)
            if t.byteCount > 0, let c = current, t.dtype == c.first.dtype, t.sharesStorage(with: c.first),
                (a - UInt(bitPattern: storages[c.index].start)) % UInt(t.dtype.byteWidth) == 0
            {
                let s = storages[c.index]
                let start = UInt(bitPattern: s.start)
                let end = max(c.end, a + UInt(t.byteCount))
                storages[c.index].byteCount = Int(end - start)
                placement[i] = (c.index, Int(a - start) / t.dtype.byteWidth)
                current = (c.index, c.first, end)
                continue
            }
            storages.append(
                Storage(
                    tensor: t, start: t.withUnsafeBytes { UnsafeRawPointer($0.baseAddress) },
                    byteCount: t.byteCount))
            placement[i] = (storages.count - 1, 0)
            current = t.byteCount > 0 ? (storages.count - 1, t, a + UInt(t.byteCount)) : nil
        }
        // Number records in the order the pickle meets them, as torch.save does, so the file does
        // not depend on where tensors happen to sit in memory.
        var renumber = [Int](repeating: -1, count: storages.count)
        var ordered: [Storage] = []
        for i in placement.indices where renumber[placement[i].storage] < 0 {
            renumber[placement[i].storage] = ordered.count
            ordered.append(storages[placement[i].storage])
        }
        storages = ordered
        for i in placement.indices { placement[i].storage = renumber[placement[i].storage] }
    }

    private static func address(_ t: Tensor) -> UInt {
        t.withUnsafeBytes { UInt(bitPattern: $0.baseAddress) }
    }

    /// All tensors of a value, depth first, in the order ``write(_:)`` meets them.
    static func tensors(in value: PickleValue) -> [Tensor] {
        var out: [Tensor] = []
        func walk(_ v: PickleValue) {
            switch v {
            case .tensor(let t): out.append(t)
            case .list(let items), .tuple(let items), .set(let items): items.forEach(walk)
            case .dict(let entries):
                entries.forEach {
                    walk($0.key)
                    walk($0.value)
                }
            case .opaque(_, let args): args.forEach(walk)
            default: break
            }
        }
        walk(value)
        return out
    }

    mutating func finish(_ value: PickleValue) throws -> [UInt8] {
        try write(value)
        bytes.append(0x2E)  // STOP
        return bytes
    }

    private mutating func op(_ b: UInt8) { bytes.append(b) }
    private mutating func le<T: FixedWidthInteger>(_ v: T) {
        withUnsafeBytes(of: v.littleEndian) { bytes += $0 }
    }
    private mutating func global(_ module: String, _ name: String) {
        op(0x63)
        bytes += Array("\(module)\n\(name)\n".utf8)
    }
    private mutating func string(_ s: String) {
        let u = Array(s.utf8)
        op(0x58)
        le(UInt32(u.count))
        bytes += u
    }
    private mutating func int(_ v: Int64) {
        if v >= 0, v < 256 {
            op(0x4B)
            bytes.append(UInt8(v))
        } else if v >= 0, v < 65536 {
            op(0x4D)
            le(UInt16(v))
        } else if v >= Int64(Int32.min), v <= Int64(Int32.max) {
            op(0x4A)
            le(Int32(v))
        } else {
            // LONG1: shortest little-endian two's complement.
            var b = withUnsafeBytes(of: v.littleEndian) { Array($0) }
            while b.count > 1,
                (b[b.count - 1] == 0 && b[b.count - 2] & 0x80 == 0)
                    || (b[b.count - 1] == 0xFF && b[b.count - 2] & 0x80 != 0)
            { b.removeLast() }
            op(0x8A)
            bytes.append(UInt8(b.count))
            bytes += b
        }
    }
    private mutating func tuple(_ body: (inout PickleWriter) throws -> Void) rethrows {
        op(0x28)  // MARK
        try body(&self)
        op(0x74)  // TUPLE
    }
    private mutating func emptyOrderedDict() {
        global("collections", "OrderedDict")
        op(0x29)
        op(0x52)  // EMPTY_TUPLE REDUCE
    }

    private mutating func write(_ v: PickleValue) throws {
        switch v {
        case .none: op(0x4E)
        case .bool(let b): op(b ? 0x88 : 0x89)
        case .int(let i): int(i)
        case .bigInt(let b):
            guard b.count < 256 else {
                throw TorchIOError(
                    path: path, problem: "an integer is too large to save", advice: "store it as a string")
            }
            op(0x8A)
            bytes.append(UInt8(b.count))
            bytes += b
        case .float(let d):
            op(0x47)
            withUnsafeBytes(of: d.bitPattern.bigEndian) { bytes += $0 }
        case .string(let s): string(s)
        case .bytes(let b):
            // torch.save's protocol-2 bytes: _codecs.encode(latin-1 text, 'latin1').
            global("_codecs", "encode")
            try tuple { w in
                w.string(String(String.UnicodeScalarView(b.map { Unicode.Scalar($0) })))
                w.string("latin1")
            }
            op(0x52)
        case .list(let items):
            op(0x5D)
            try batches(items, closer: 0x65) { w, x in try w.write(x) }
        case .tuple(let items):
            try tuple { w in for x in items { try w.write(x) } }
        case .set(let items):
            global("builtins", "set")
            try tuple { w in
                w.op(0x5D)
                try w.batches(items, closer: 0x65) { w, x in try w.write(x) }
            }
            op(0x52)
        case .dict(let entries):
            // A dict of tensors is a state_dict: written as OrderedDict like module.state_dict().
            let isStateDict =
                !entries.isEmpty
                && entries.allSatisfy { if case .tensor = $0.value { return true } else { return false } }
            if isStateDict { emptyOrderedDict() } else { op(0x7D) }
            try batches(entries, closer: 0x75) { w, e in
                try w.write(e.key)
                try w.write(e.value)
            }
        case .tensor(let t): try tensor(t)
        case .opaque(let name, let args):
            guard name == "builtins.complex" else {
                throw TorchIOError(
                    path: path,
                    problem: "the value holds '\(name)', which torch.load(weights_only=True) would reject",
                    advice: "remove that entry before saving")
            }
            global("builtins", "complex")
            try tuple { w in for x in args { try w.write(x) } }
            op(0x52)
        }
    }

    /// MARK … APPENDS/SETITEMS in batches of 1000, as pickle does.
    private mutating func batches<T>(
        _ items: [T], closer: UInt8, _ each: (inout PickleWriter, T) throws -> Void
    ) rethrows {
        var i = 0
        while i < items.count {
            op(0x28)
            for x in items[i..<min(i + 1000, items.count)] { try each(&self, x) }
            op(closer)
            i += 1000
        }
    }

    static let storageClass: [DType: String] = [
        .float64: "DoubleStorage", .float32: "FloatStorage", .float16: "HalfStorage",
        .bfloat16: "BFloat16Storage",
        .int64: "LongStorage", .int32: "IntStorage", .int16: "ShortStorage", .int8: "CharStorage",
        .uint8: "ByteStorage",
        .bool: "BoolStorage", .complex64: "ComplexFloatStorage", .complex128: "ComplexDoubleStorage",
    ]

    private mutating func tensor(_ t: Tensor) throws {
        let (index, offset) = placement[tensorCounter]
        tensorCounter += 1
        let storage = storages[index]
        let typed = PickleWriter.storageClass[t.dtype]
        global("torch._utils", typed == nil ? "_rebuild_tensor_v3" : "_rebuild_tensor_v2")
        try tuple { w in
            w.tuple { w in
                w.string("storage")
                if let typed { w.global("torch", typed) } else { w.global("torch.storage", "UntypedStorage") }
                w.string(String(index))
                w.string("cpu")
                w.int(Int64(typed == nil ? storage.byteCount : storage.byteCount / t.dtype.byteWidth))
            }
            w.op(0x51)  // BINPERSID
            w.int(Int64(offset))
            w.tuple { w in for d in t.shape { w.int(Int64(d)) } }
            var strides = [Int](repeating: 1, count: t.rank)
            for i in stride(from: t.rank - 2, through: 0, by: -1) {
                strides[i] = strides[i + 1] * t.shape[i + 1]
            }
            w.tuple { w in for s in strides { w.int(Int64(s)) } }
            w.op(0x89)  // requires_grad False
            w.emptyOrderedDict()  // backward hooks
            if typed == nil { w.global("torch", t.dtype.rawValue) }
        }
        op(0x52)
    }
}
