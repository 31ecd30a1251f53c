import Foundation

/// Builders of deliberately bad input files for the BadInput tests: a minimal zip writer (so a
/// test controls every header field), hand-assembled pickles, and byte patches.
enum BadInputFiles {
    static func tempDir() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("badinput-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            crc ^= UInt32(b)
            for _ in 0..<8 { crc = (crc >> 1) ^ (0xEDB8_8320 & (0 &- (crc & 1))) }
        }
        return ~crc
    }

    struct Record {
        var name: String
        var payload: [UInt8]
        var method: UInt16 = 0
        /// Declared uncompressed size (nil: the payload's size).
        var declaredSize: Int? = nil
        var crc: UInt32? = nil
    }

    /// A zip archive (no ZIP64) with the given records, as torch.save lays it out.
    static func zip(_ records: [Record]) -> [UInt8] {
        var out: [UInt8] = []
        var central: [UInt8] = []
        func u16(_ v: Int, _ a: inout [UInt8]) { a += [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF)] }
        func u32(_ v: Int, _ a: inout [UInt8]) { for k in 0..<4 { a.append(UInt8((v >> (8 * k)) & 0xFF)) } }
        for r in records {
            let offset = out.count
            let name = Array(r.name.utf8)
            let crc = Int(r.crc ?? crc32(r.payload))
            let size = r.declaredSize ?? r.payload.count
            func header(_ a: inout [UInt8], central: Bool) {
                u32(central ? 0x0201_4B50 : 0x0403_4B50, &a)
                if central { u16(20, &a) }
                u16(20, &a); u16(0, &a); u16(Int(r.method), &a); u16(0, &a); u16(0, &a)
                u32(crc, &a); u32(r.payload.count, &a); u32(size, &a)
                u16(name.count, &a); u16(0, &a)
                if central { u16(0, &a); u16(0, &a); u16(0, &a); u32(0, &a); u32(offset, &a) }
                a += name
            }
            header(&out, central: false)
            out += r.payload
            header(&central, central: true)
        }
        let cdOffset = out.count
        out += central
        u32(0x0605_4B50, &out); u16(0, &out); u16(0, &out)
        u16(records.count, &out); u16(records.count, &out)
        u32(central.count, &out); u32(cdOffset, &out); u16(0, &out)
        return out
    }

    // Pickle protocol 2 pieces.
    static func str(_ s: String) -> [UInt8] {
        let b = Array(s.utf8)
        return [0x58] + withUnsafeBytes(of: UInt32(b.count).littleEndian, Array.init) + b
    }
    static func global(_ module: String, _ name: String) -> [UInt8] { [0x63] + Array("\(module)\n\(name)\n".utf8) }
    static func int1(_ v: UInt8) -> [UInt8] { [0x4B, v] }
    static func binint(_ v: Int32) -> [UInt8] { [0x4A] + withUnsafeBytes(of: v.littleEndian, Array.init) }

    /// `{'w': tensor}` where the tensor is `_rebuild_tensor_v2` of float storage `0` with
    /// `storageCount` elements and a view of `viewSize` elements.
    static func tensorDictPickle(storageCount: Int32, viewSize: Int32) -> [UInt8] {
        var p: [UInt8] = [0x80, 0x02, 0x7D] + str("w")
        p += global("torch._utils", "_rebuild_tensor_v2") + [0x28]
        p += [0x28] + str("storage") + global("torch", "FloatStorage") + str("0") + str("cpu") + binint(storageCount) + [0x74, 0x51]
        p += int1(0) + binint(viewSize) + [0x85] + int1(1) + [0x85] + [0x89]
        p += global("collections", "OrderedDict") + [0x29, 0x52]
        p += [0x74, 0x52, 0x73, 0x2E]
        return p
    }

    /// A torch.save-like zip holding `pickle` and the storage `data/0`.
    static func checkpoint(pickle: [UInt8], storage: [UInt8]) -> [UInt8] {
        zip([
            Record(name: "archive/data.pkl", payload: pickle),
            Record(name: "archive/byteorder", payload: Array("little".utf8)),
            Record(name: "archive/data/0", payload: storage),
            Record(name: "archive/version", payload: Array("3\n".utf8)),
        ])
    }

    static func write(_ bytes: [UInt8], _ url: URL) throws { try Data(bytes).write(to: url) }

    /// Index of the first occurrence of `pattern` in `bytes`.
    static func find(_ pattern: [UInt8], in bytes: [UInt8]) -> Int? {
        guard bytes.count >= pattern.count else { return nil }
        for i in 0...(bytes.count - pattern.count) where bytes[i..<(i + pattern.count)].elementsEqual(pattern) { return i }
        return nil
    }
}
