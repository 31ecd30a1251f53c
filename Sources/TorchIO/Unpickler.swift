import Foundation
import TensorCore

/// A pickle virtual machine that executes nothing: it understands the opcodes of protocols 0–5
/// that occur in PyTorch files, and resolves globals only through the allow-list in
/// ``PickleCalls``. `persistentLoad` turns persistent ids (storages) into objects.
struct Unpickler {
    let bytes: UnsafeRawBufferPointer
    let path: String
    /// The record being read, for error messages (`data.pkl`).
    let record: String
    let options: LoadOptions
    var persistentLoad: (PickleObject) throws -> PickleObject = { _ in
        throw PickleFailure.message("persistent id without a loader")
    }
    /// Offset just after the STOP opcode once `run` returns.
    private(set) var position: Int

    private var stack: [PickleObject] = []
    private var marks: [Int] = []
    private var memo: [Int: PickleObject] = [:]
    /// Owns every container of this run until ``dismantle()``.
    let arena = PickleArena()

    init(bytes: UnsafeRawBufferPointer, start: Int = 0, path: String, record: String, options: LoadOptions) {
        self.bytes = bytes
        self.position = start
        self.path = path
        self.record = record
        self.options = options
    }

    enum PickleFailure: Error { case message(String) }

    private func fail(_ what: String) -> TorchIOError {
        TorchIOError.corrupt(path, "pickle \(record) at byte \(position): \(what)")
    }

    // MARK: reading arguments

    private mutating func take(_ n: Int) throws -> UnsafeRawBufferPointer {
        guard n >= 0, n <= bytes.count - position else {
            throw TorchIOError.truncated(path, "pickle \(record) data")
        }
        defer { position += n }
        return UnsafeRawBufferPointer(rebasing: bytes[position..<(position + n)])
    }
    private mutating func u8() throws -> Int { Int(try take(1)[0]) }
    private mutating func le<T: FixedWidthInteger>(_: T.Type) throws -> T {
        T(littleEndian: try take(MemoryLayout<T>.size).loadUnaligned(as: T.self))
    }
    private mutating func length(_ v: UInt64) throws -> Int {
        guard v <= UInt64(bytes.count - position) else {
            throw TorchIOError.truncated(path, "pickle \(record) data")
        }
        return Int(v)
    }
    private mutating func line() throws -> String {
        var end = position
        while end < bytes.count, bytes[end] != 0x0A { end += 1 }
        guard end < bytes.count else { throw TorchIOError.truncated(path, "pickle \(record) data") }
        let s = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[position..<end]), as: UTF8.self)
        position = end + 1
        return s
    }
    private mutating func utf8(_ n: Int) throws -> PickleObject {
        .value(.string(String(decoding: try take(n), as: UTF8.self)))
    }
    private mutating func raw(_ n: Int) throws -> PickleObject { .value(.bytes(Array(try take(n)))) }

    // MARK: stack

    private mutating func pop() throws -> PickleObject {
        guard let top = stack.popLast() else { throw fail("stack underflow") }
        if let m = marks.last, stack.count < m { throw fail("stack underflow below a MARK") }
        return top
    }
    private mutating func popMark() throws -> [PickleObject] {
        guard let m = marks.popLast(), m <= stack.count else { throw fail("missing MARK") }
        defer { stack.removeSubrange(m...) }
        return Array(stack[m...])
    }
    private mutating func top() throws -> PickleObject {
        guard let t = stack.last else { throw fail("stack underflow") }
        return t
    }

    /// Runs the pickle that starts at `position` up to its STOP and returns its value.
    mutating func run() throws -> PickleObject {
        let calls = PickleCalls(path: path, options: options, arena: arena)
        while true {
            let op = try u8()
            switch op {
            case 0x80: _ = try u8()  // PROTO
            case 0x95: _ = try le(UInt64.self)  // FRAME: frames are a read-ahead hint only
            case 0x2E:  // STOP
                return try pop()
            case 0x28: marks.append(stack.count)  // MARK
            case 0x30: _ = try pop()  // POP
            case 0x31: _ = try popMark()  // POP_MARK
            case 0x32: stack.append(try top())  // DUP
            case 0x4E: stack.append(.value(.none))
            case 0x88: stack.append(.value(.bool(true)))
            case 0x89: stack.append(.value(.bool(false)))
            case 0x4A: stack.append(.value(.int(Int64(try le(Int32.self)))))  // BININT
            case 0x4B: stack.append(.value(.int(Int64(try u8()))))  // BININT1
            case 0x4D: stack.append(.value(.int(Int64(try le(UInt16.self)))))  // BININT2
            case 0x8A: stack.append(.value(PickleCalls.long(Array(try take(try u8())))))  // LONG1
            case 0x8B:  // LONG4
                let n = try le(Int32.self)
                guard n >= 0 else { throw fail("negative LONG4 length") }
                stack.append(.value(PickleCalls.long(Array(try take(Int(n))))))
            case 0x47:  // BINFLOAT (big-endian)
                stack.append(
                    .value(
                        .float(
                            Double(bitPattern: UInt64(bigEndian: try take(8).loadUnaligned(as: UInt64.self))))
                    ))
            case 0x49:  // INT (text); I00/I01 are booleans in protocol 0
                let s = try line()
                if s == "00" {
                    stack.append(.value(.bool(false)))
                } else if s == "01" {
                    stack.append(.value(.bool(true)))
                } else {
                    guard let v = Int64(s) else { throw fail("bad INT '\(s)'") }
                    stack.append(.value(.int(v)))
                }
            case 0x4C:  // LONG (text)
                var s = try line()
                if s.hasSuffix("L") { s.removeLast() }
                guard let v = Int64(s) else { throw fail("LONG '\(s)' does not fit in 64 bits") }
                stack.append(.value(.int(v)))
            case 0x46:  // FLOAT (text)
                let s = try line()
                guard let v = Double(s) else { throw fail("bad FLOAT '\(s)'") }
                stack.append(.value(.float(v)))
            case 0x53: stack.append(.value(.string(PickleCalls.unquote(try line()))))  // STRING
            case 0x56: stack.append(.value(.string(PickleCalls.rawUnicodeEscape(try line()))))  // UNICODE
            case 0x58: stack.append(try utf8(try length(UInt64(try le(UInt32.self)))))  // BINUNICODE
            case 0x8C: stack.append(try utf8(try u8()))  // SHORT_BINUNICODE
            case 0x8D: stack.append(try utf8(try length(try le(UInt64.self))))  // BINUNICODE8
            case 0x54:  // BINSTRING (protocol 2 str of Python 2: decoded as latin-1 like torch does)
                let n = try le(Int32.self)
                guard n >= 0 else { throw fail("negative BINSTRING length") }
                stack.append(.value(.string(String(decoding: try take(Int(n)), as: UTF8.self))))
            case 0x55: stack.append(.value(.string(String(decoding: try take(try u8()), as: UTF8.self))))  // SHORT_BINSTRING
            case 0x42: stack.append(try raw(try length(UInt64(try le(UInt32.self)))))  // BINBYTES
            case 0x43: stack.append(try raw(try u8()))  // SHORT_BINBYTES
            case 0x8E, 0x96: stack.append(try raw(try length(try le(UInt64.self))))  // BINBYTES8, BYTEARRAY8
            case 0x98: break  // READONLY_BUFFER
            case 0x29: stack.append(.tuple([], arena))
            case 0x74: stack.append(.tuple(try popMark(), arena))
            case 0x85: stack.append(.tuple([try pop()], arena))
            case 0x86:
                let b = try pop()
                let a = try pop()
                stack.append(.tuple([a, b], arena))
            case 0x87:
                let c = try pop()
                let b = try pop()
                let a = try pop()
                stack.append(.tuple([a, b, c], arena))
            case 0x5D: stack.append(.list(PickleObject.ListBox(arena)))
            case 0x6C:  // LIST
                let box = PickleObject.ListBox(arena)
                box.items = try popMark()
                stack.append(.list(box))
            case 0x61:  // APPEND
                let v = try pop()
                try append(to: try top(), [v])
            case 0x65:  // APPENDS
                let items = try popMark()
                try append(to: try top(), items)
            case 0x7D: stack.append(.dict(PickleObject.DictBox(arena)))
            case 0x64:  // DICT
                let box = PickleObject.DictBox(arena)
                try setItems(box, try popMark())
                stack.append(.dict(box))
            case 0x73:  // SETITEM
                let v = try pop()
                let k = try pop()
                guard case .dict(let box) = try top() else { throw fail("SETITEM on a non-dict") }
                box.entries.append((k, v))
            case 0x75:  // SETITEMS
                let items = try popMark()
                guard case .dict(let box) = try top() else { throw fail("SETITEMS on a non-dict") }
                try setItems(box, items)
            case 0x8F: stack.append(.set(PickleObject.SetBox(arena)))  // EMPTY_SET
            case 0x90:  // ADDITEMS
                let items = try popMark()
                guard case .set(let box) = try top() else { throw fail("ADDITEMS on a non-set") }
                box.items += items
            case 0x91:  // FROZENSET
                let box = PickleObject.SetBox(arena)
                box.items = try popMark()
                box.frozen = true
                stack.append(.set(box))
            case 0x63:  // GLOBAL
                let module = try line()
                let name = try line()
                stack.append(try calls.global(module, name))
            case 0x93:  // STACK_GLOBAL
                let name = try pop()
                let module = try pop()
                guard case .value(.string(let n)) = name, case .value(.string(let m)) = module else {
                    throw fail("STACK_GLOBAL needs two strings")
                }
                stack.append(try calls.global(m, n))
            case 0x52:  // REDUCE
                let args = try pop()
                let callable = try pop()
                stack.append(try calls.call(callable, arguments: try tupleItems(args)))
            case 0x81:  // NEWOBJ
                let args = try pop()
                let cls = try pop()
                stack.append(try calls.call(cls, arguments: try tupleItems(args)))
            case 0x92:  // NEWOBJ_EX
                _ = try pop()
                let args = try pop()
                let cls = try pop()
                stack.append(try calls.call(cls, arguments: try tupleItems(args)))
            case 0x62:  // BUILD
                let state = try pop()
                calls.build(try top(), state: state)
            case 0x51:  // BINPERSID
                stack.append(try persistent(try pop()))
            case 0x50:  // PERSID
                stack.append(try persistent(.value(.string(try line()))))
            case 0x71: memo[try u8()] = try top()  // BINPUT
            case 0x72: memo[Int(try le(UInt32.self))] = try top()  // LONG_BINPUT
            case 0x70:  // PUT
                guard let k = Int(try line()) else { throw fail("bad PUT index") }
                memo[k] = try top()
            case 0x94: memo[memo.count] = try top()  // MEMOIZE
            case 0x68: stack.append(try memoGet(try u8()))  // BINGET
            case 0x6A: stack.append(try memoGet(Int(try le(UInt32.self))))  // LONG_BINGET
            case 0x67:  // GET
                guard let k = Int(try line()) else { throw fail("bad GET index") }
                stack.append(try memoGet(k))
            default:
                throw fail(
                    String(
                        format:
                            "opcode 0x%02X is not supported in tensor files (it could run code or is not a pickle)",
                        op))
            }
        }
    }

    /// Releases every object the run created without recursion (see ``PickleArena``). Call once
    /// the result has been converted, or on error.
    mutating func dismantle() {
        stack = []
        memo = [:]
        arena.dismantle()
    }

    private func memoGet(_ k: Int) throws -> PickleObject {
        guard let v = memo[k] else { throw fail("memo entry \(k) is missing") }
        return v
    }

    private func tupleItems(_ o: PickleObject) throws -> [PickleObject] {
        switch o {
        case .tupleBox(let box): return box.items
        case .list(let box): return box.items
        default: throw fail("call arguments are not a tuple")
        }
    }

    private func append(to target: PickleObject, _ items: [PickleObject]) throws {
        switch target {
        case .list(let box): box.items += items
        case .set(let box): box.items += items
        case .opaque(let box): box.arguments += items
        default: throw fail("APPEND on a non-list")
        }
    }

    private func setItems(_ box: PickleObject.DictBox, _ items: [PickleObject]) throws {
        guard items.count % 2 == 0 else { throw fail("SETITEMS with an odd number of items") }
        for i in stride(from: 0, to: items.count, by: 2) { box.entries.append((items[i], items[i + 1])) }
    }

    private func persistent(_ pid: PickleObject) throws -> PickleObject {
        do {
            return try persistentLoad(pid)
        } catch PickleFailure.message(let m) {
            throw fail(m)
        }
    }
}
