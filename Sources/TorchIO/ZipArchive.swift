import CZlib
import Foundation
import TensorCore

/// One record of a zip archive, as its central directory describes it.
struct ZipEntry {
    /// Full name inside the archive, e.g. `archive/data/0`.
    var name: String
    /// 0 = STORED, 8 = DEFLATE.
    var method: UInt16
    var crc32: UInt32
    var compressedSize: Int
    var uncompressedSize: Int
    /// Offset of the local header.
    var localHeaderOffset: Int
}

/// Reads the zip container of a `torch.save` file straight from a memory map: the central
/// directory (with ZIP64 records) is trusted, as zip readers do; every offset and size is
/// checked against the file before it is used, and CRC32 is verified for every record read.
final class ZipArchive {
    let file: MappedFile
    /// Records by name with the top folder removed (`archive/data.pkl` → `data.pkl`).
    private(set) var entries: [String: ZipEntry] = [:]
    /// Names as stored, in central-directory order.
    private(set) var names: [String] = []
    /// The top folder (`archive` for files from torch.save of buffers, else the file's stem).
    private(set) var topFolder: String = ""

    init(file: MappedFile) throws {
        self.file = file
        try readCentralDirectory()
    }

    private var path: String { file.path }

    private func u16(_ p: UnsafeRawBufferPointer, _ at: Int) -> Int {
        Int(p.loadUnaligned(fromByteOffset: at, as: UInt16.self).littleEndian)
    }
    private func u32(_ p: UnsafeRawBufferPointer, _ at: Int) -> Int {
        Int(p.loadUnaligned(fromByteOffset: at, as: UInt32.self).littleEndian)
    }
    private func u64(_ p: UnsafeRawBufferPointer, _ at: Int) throws -> Int {
        let v = p.loadUnaligned(fromByteOffset: at, as: UInt64.self).littleEndian
        guard v <= UInt64(Int.max) else {
            throw TorchIOError.corrupt(path, "a ZIP64 size or offset is out of range")
        }
        return Int(v)
    }

    private func readCentralDirectory() throws {
        let size = file.count
        guard size >= 22 else {
            throw TorchIOError.truncated(path, "the zip end-of-central-directory record")
        }
        // The EOCD record sits in the last 22 + 65535 (comment) bytes.
        let searchStart = max(0, size - 22 - 0xFFFF)
        let tail = try file.bytes(searchStart, size - searchStart, "the end of the file")
        var eocd = -1
        var i = tail.count - 22
        while i >= 0 {
            if tail[i] == 0x50, tail[i + 1] == 0x4B, tail[i + 2] == 0x05, tail[i + 3] == 0x06 {
                eocd = searchStart + i
                break
            }
            i -= 1
        }
        guard eocd >= 0 else {
            throw TorchIOError(
                path: path,
                problem:
                    "no zip central directory was found (the file is truncated, or it is not a zip archive)",
                advice: "copy or download the file again")
        }
        let e = try file.bytes(eocd, 22, "the end-of-central-directory record")
        var count = u16(e, 10)
        var cdSize = u32(e, 12)
        var cdOffset = u32(e, 16)
        if count == 0xFFFF || cdSize == 0xFFFF_FFFF || cdOffset == 0xFFFF_FFFF || eocd >= 20 {
            // ZIP64: the locator sits right before the classic record (torch always writes one).
            if eocd >= 20, let loc = try? file.bytes(eocd - 20, 20, "the ZIP64 locator"),
                u32(loc, 0) == 0x0706_4B50
            {
                let recordOffset = try u64(loc, 8)
                let r = try file.bytes(recordOffset, 56, "the ZIP64 end-of-central-directory record")
                guard u32(r, 0) == 0x0606_4B50 else {
                    throw TorchIOError.corrupt(path, "bad ZIP64 end-of-central-directory signature")
                }
                count = try u64(r, 32)
                cdSize = try u64(r, 40)
                cdOffset = try u64(r, 48)
            } else if count == 0xFFFF || cdSize == 0xFFFF_FFFF || cdOffset == 0xFFFF_FFFF {
                throw TorchIOError.corrupt(path, "the ZIP64 locator is missing")
            }
        }
        // Each central record is at least 46 bytes: bound the count before allocating.
        guard count <= cdSize / 46 + 1 else {
            throw TorchIOError.corrupt(
                path, "the central directory claims \(count) records in \(cdSize) bytes")
        }
        let cd = try file.bytes(cdOffset, cdSize, "the central directory")
        var at = 0
        names.reserveCapacity(count)
        for index in 0..<count {
            guard at + 46 <= cd.count, u32(cd, at) == 0x0201_4B50 else {
                throw TorchIOError.corrupt(path, "central directory record \(index) is damaged")
            }
            let method = UInt16(u16(cd, at + 10))
            let crc = UInt32(u32(cd, at + 16))
            var csize = u32(cd, at + 20)
            var usize = u32(cd, at + 24)
            let nameLength = u16(cd, at + 28)
            let extraLength = u16(cd, at + 30)
            let commentLength = u16(cd, at + 32)
            var localOffset = u32(cd, at + 42)
            let end = at + 46 + nameLength + extraLength + commentLength
            guard end <= cd.count else {
                throw TorchIOError.corrupt(path, "central directory record \(index) runs past the directory")
            }
            let name = String(
                decoding: UnsafeRawBufferPointer(rebasing: cd[(at + 46)..<(at + 46 + nameLength)]),
                as: UTF8.self)
            // ZIP64 extra field: the 64-bit values, in order, of the fields saturated at 0xFFFFFFFF.
            var x = at + 46 + nameLength
            let extraEnd = x + extraLength
            while x + 4 <= extraEnd {
                let id = u16(cd, x)
                let length = u16(cd, x + 2)
                guard x + 4 + length <= extraEnd else { break }
                if id == 0x0001 {
                    var f = x + 4
                    func next() throws -> Int {
                        guard f + 8 <= x + 4 + length else {
                            throw TorchIOError.corrupt(path, "the ZIP64 field of \(name) is too short")
                        }
                        defer { f += 8 }
                        return try u64(cd, f)
                    }
                    if usize == 0xFFFF_FFFF { usize = try next() }
                    if csize == 0xFFFF_FFFF { csize = try next() }
                    if localOffset == 0xFFFF_FFFF { localOffset = try next() }
                }
                x += 4 + length
            }
            let entry = ZipEntry(
                name: name, method: method, crc32: crc, compressedSize: csize,
                uncompressedSize: usize, localHeaderOffset: localOffset)
            if index == 0 {
                topFolder =
                    name.split(separator: "/", maxSplits: 1).count > 1
                    ? String(name.prefix { $0 != "/" }) : ""
            }
            names.append(name)
            entries[ZipArchive.stripTopFolder(name)] = entry
            at = end
        }
    }

    static func stripTopFolder(_ name: String) -> String {
        guard let slash = name.firstIndex(of: "/") else { return name }
        return String(name[name.index(after: slash)...])
    }

    /// Records whose CRC ``verifyAll(threads:)`` already checked.
    private var verified: Set<String> = []

    /// Checks the CRC of every STORED record at once, in parallel pieces combined with
    /// `crc32_combine`: on a large checkpoint the checksum is most of the load time.
    func verifyAll(threads: Int) throws {
        let piece = 4 << 20
        var work: [(entry: ZipEntry, start: Int, count: Int)] = []
        for entry in entries.values where entry.method == 0 && entry.compressedSize == entry.uncompressedSize
        {
            let start = try payloadOffset(entry)
            _ = try file.bytes(start, entry.compressedSize, "the data of record \(entry.name)")
            var at = 0
            repeat {
                work.append((entry, start + at, min(piece, entry.compressedSize - at)))
                at += piece
            } while at < entry.compressedSize
        }
        var crcs = [UInt32](repeating: 0, count: work.count)
        let base = file.base
        crcs.withUnsafeMutableBufferPointer { out in
            Parallel.forEach(work.count, threads: threads) { i in
                let w = work[i]
                out[i] = ZipArchive.crc32(
                    UnsafeRawBufferPointer(start: base.map { $0 + w.start }, count: w.count))
            }
        }
        var i = 0
        while i < work.count {
            let entry = work[i].entry
            var crc = crcs[i]
            i += 1
            while i < work.count, work[i].entry.name == entry.name {
                crc = UInt32(
                    truncatingIfNeeded: crc32_combine(uLong(crc), uLong(crcs[i]), off_t(work[i].count)))
                i += 1
            }
            guard crc == entry.crc32 else {
                throw TorchIOError(
                    path: path, problem: "CRC32 mismatch in record \(entry.name) (the data is corrupt)",
                    advice: "copy or download the file again")
            }
            verified.insert(entry.name)
        }
    }

    /// Start of a record's payload: local header + its own name and extra lengths.
    private func payloadOffset(_ entry: ZipEntry) throws -> Int {
        let h = try file.bytes(entry.localHeaderOffset, 30, "the local header of \(entry.name)")
        guard u32(h, 0) == 0x0403_4B50 else {
            throw TorchIOError.corrupt(path, "the local header of record \(entry.name) is damaged")
        }
        return entry.localHeaderOffset + 30 + u16(h, 26) + u16(h, 28)
    }

    /// The bytes of a record, CRC-checked. STORED records are the mapped bytes themselves (no copy);
    /// DEFLATE records are inflated into fresh, 64-byte-aligned storage.
    func storage(_ entry: ZipEntry) throws -> TensorStorage {
        let start = try payloadOffset(entry)
        let raw = try file.bytes(start, entry.compressedSize, "the data of record \(entry.name)")
        let storage: TensorStorage
        switch entry.method {
        case 0:
            guard entry.compressedSize == entry.uncompressedSize else {
                throw TorchIOError.corrupt(path, "record \(entry.name) is stored with two different sizes")
            }
            if entry.uncompressedSize == 0 {
                storage = TensorStorage(zeroedByteCount: 0)
            } else {
                storage = TensorStorage(
                    borrowing: UnsafeMutableRawPointer(mutating: raw.baseAddress!), byteCount: raw.count,
                    owner: file)
            }
        case 8:
            // DEFLATE cannot expand more than ~1032:1; bound the claimed size before allocating.
            guard entry.uncompressedSize <= entry.compressedSize * 1032 + 64 else {
                throw TorchIOError.corrupt(
                    path, "record \(entry.name) claims an impossible uncompressed size")
            }
            storage = TensorStorage(zeroedByteCount: entry.uncompressedSize)
            try inflate(raw, into: storage, entry)
        default:
            throw TorchIOError(
                path: path,
                problem:
                    "record \(entry.name) uses zip compression method \(entry.method), which is not supported",
                advice: "re-save the file with torch.save (it writes uncompressed records)")
        }
        let crc =
            verified.contains(entry.name)
            ? entry.crc32
            : ZipArchive.crc32(UnsafeRawBufferPointer(start: storage.bytes, count: storage.byteCount))
        guard crc == entry.crc32 else {
            throw TorchIOError(
                path: path, problem: "CRC32 mismatch in record \(entry.name) (the data is corrupt)",
                advice: "copy or download the file again")
        }
        return storage
    }

    /// A small record (data.pkl, version, byteorder) as bytes.
    func contents(_ name: String) throws -> TensorStorage? {
        guard let entry = entries[name] else { return nil }
        return try storage(entry)
    }

    static func crc32(_ bytes: UnsafeRawBufferPointer, seed: UInt32 = 0) -> UInt32 {
        var crc = UInt(seed)
        guard var p = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return seed }
        var left = bytes.count
        while left > 0 {
            let n = min(left, 1 << 30)
            crc = CZlib.crc32(crc, p, uInt(n))
            p += n
            left -= n
        }
        return UInt32(truncatingIfNeeded: crc)
    }

    private func inflate(_ source: UnsafeRawBufferPointer, into storage: TensorStorage, _ entry: ZipEntry)
        throws
    {
        var stream = z_stream()
        guard inflateInit2_(&stream, -MAX_WBITS, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK
        else {
            throw TorchIOError(
                path: path, problem: "zlib could not start inflating record \(entry.name)",
                advice: "check free memory")
        }
        defer { inflateEnd(&stream) }
        stream.next_in = UnsafeMutablePointer(
            mutating: source.baseAddress?.assumingMemoryBound(to: UInt8.self))
        stream.avail_in = uInt(source.count)
        stream.next_out = storage.bytes.assumingMemoryBound(to: UInt8.self)
        stream.avail_out = uInt(storage.byteCount)
        let status = CZlib.inflate(&stream, Z_FINISH)
        guard status == Z_STREAM_END, Int(stream.total_out) == entry.uncompressedSize else {
            throw TorchIOError.corrupt(
                path, "the compressed data of record \(entry.name) does not inflate to its recorded size")
        }
    }
}
