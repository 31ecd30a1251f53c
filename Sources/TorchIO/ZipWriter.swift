import Foundation
import TensorCore

/// Writes a zip archive laid out as torch.save's: STORED records with data descriptors,
/// payloads aligned to 64 bytes through an `FB` extra field, ZIP64 end records.
struct ZipWriter {
    private struct Record {
        var name: [UInt8]
        var crc: UInt32
        var size: Int
        var offset: Int
    }
    private var records: [Record] = []
    private var offset = 0
    private var pending = Data()
    let handle: FileHandle

    init(handle: FileHandle) { self.handle = handle }

    private mutating func flush() throws {
        if !pending.isEmpty {
            try handle.write(contentsOf: pending)
            pending.removeAll(keepingCapacity: true)
        }
    }
    private mutating func put<T: FixedWidthInteger>(_ v: T) {
        withUnsafeBytes(of: v.littleEndian) { pending.append(contentsOf: $0) }
        offset += MemoryLayout<T>.size
    }
    private mutating func put(_ b: [UInt8]) {
        pending.append(contentsOf: b)
        offset += b.count
    }

    /// Adds one record whose payload is `bytes`.
    mutating func add(_ name: String, _ bytes: UnsafeRawBufferPointer) throws {
        let nameBytes = Array(name.utf8)
        let start = offset
        let big = bytes.count >= 0xFFFF_FFFF
        // Local header (30 bytes) + name + [ZIP64 extra] + FB extra, payload 64-byte aligned.
        let zip64Extra = big ? 20 : 0
        let unpadded = start + 30 + nameBytes.count + zip64Extra + 4
        let padding = (64 - unpadded % 64) % 64
        put(UInt32(0x0403_4B50))
        put(UInt16(big ? 45 : 20))
        put(UInt16(0x0808))
        put(UInt16(0))  // signature, version, flags, STORED
        put(UInt16(0))
        put(UInt16(0x21))  // time, date (1980-01-01, as torch)
        put(UInt32(0))
        put(UInt32(big ? 0xFFFF_FFFF : 0))
        put(UInt32(big ? 0xFFFF_FFFF : 0))
        put(UInt16(nameBytes.count))
        put(UInt16(zip64Extra + 4 + padding))
        put(nameBytes)
        if big {
            put(UInt16(1))
            put(UInt16(16))
            put(UInt64(0))
            put(UInt64(0))
        }
        put(UInt16(0x4246))
        put(UInt16(padding))
        put([UInt8](repeating: 0x5A, count: padding))
        try flush()
        if bytes.count > 0 {
            try handle.write(
                contentsOf: Data(
                    bytesNoCopy: UnsafeMutableRawPointer(mutating: bytes.baseAddress!), count: bytes.count,
                    deallocator: .none))
        }
        offset += bytes.count
        let crc = ZipArchive.crc32(bytes)
        put(UInt32(0x0807_4B50))
        put(crc)
        if big {
            put(UInt64(bytes.count))
            put(UInt64(bytes.count))
        } else {
            put(UInt32(bytes.count))
            put(UInt32(bytes.count))
        }
        records.append(Record(name: nameBytes, crc: crc, size: bytes.count, offset: start))
    }

    /// Central directory, ZIP64 end record and locator, classic end record.
    mutating func finish() throws {
        let cdStart = offset
        for r in records {
            let needs = (r.size >= 0xFFFF_FFFF, r.offset >= 0xFFFF_FFFF)
            var extra: [UInt64] = []
            if needs.0 { extra += [UInt64(r.size), UInt64(r.size)] }
            if needs.1 { extra.append(UInt64(r.offset)) }
            put(UInt32(0x0201_4B50))
            put(UInt16(extra.isEmpty ? 20 : 45))
            put(UInt16(extra.isEmpty ? 20 : 45))
            put(UInt16(0x0808))
            put(UInt16(0))
            put(UInt16(0))
            put(UInt16(0x21))
            put(r.crc)
            put(UInt32(needs.0 ? 0xFFFF_FFFF : UInt32(r.size)))
            put(UInt32(needs.0 ? 0xFFFF_FFFF : UInt32(r.size)))
            put(UInt16(r.name.count))
            put(UInt16(extra.isEmpty ? 0 : 4 + 8 * extra.count))
            put(UInt16(0))
            put(UInt16(0))
            put(UInt16(0))
            put(UInt32(0))
            put(UInt32(needs.1 ? 0xFFFF_FFFF : UInt32(r.offset)))
            put(r.name)
            if !extra.isEmpty {
                put(UInt16(1))
                put(UInt16(8 * extra.count))
                for v in extra { put(v) }
            }
        }
        let cdSize = offset - cdStart
        let zip64Start = offset
        put(UInt32(0x0606_4B50))
        put(UInt64(44))
        put(UInt16(45))
        put(UInt16(45))
        put(UInt32(0))
        put(UInt32(0))
        put(UInt64(records.count))
        put(UInt64(records.count))
        put(UInt64(cdSize))
        put(UInt64(cdStart))
        put(UInt32(0x0706_4B50))
        put(UInt32(0))
        put(UInt64(zip64Start))
        put(UInt32(1))
        put(UInt32(0x0605_4B50))
        put(UInt16(0))
        put(UInt16(0))
        put(UInt16(min(records.count, 0xFFFF)))
        put(UInt16(min(records.count, 0xFFFF)))
        put(UInt32(min(cdSize, 0xFFFF_FFFF)))
        put(UInt32(min(cdStart, 0xFFFF_FFFF)))
        put(UInt16(0))
        try flush()
    }
}
