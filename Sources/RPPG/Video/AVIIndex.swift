/// Where each video frame's bytes lie in an AVI file: absolute data offsets and sizes, in
/// frame order. Built from the OpenDML `indx`/`ix##` indexes, the legacy `idx1`, or a scan
/// of the `movi` lists when a file has no index (a truncated recording, for example).
struct AVIFrameIndex {
    var offsets: [Int64] = []
    var sizes: [UInt32] = []
    var count: Int { offsets.count }

    mutating func append(offset: Int64, size: UInt32) {
        offsets.append(offset)
        sizes.append(size)
    }
}

/// Index builders. `file` supplies bounded reads; `streamID` is the two-digit stream number
/// ("00") whose `db`/`dc` chunks are frames.
enum AVIIndexBuilder {
    /// Largest index block read in one piece (an hour of 30 fps video needs ~1.7 MB of idx1).
    static let maxIndexBytes = 256 << 20

    static func isVideoChunk(_ id: String, streamID: String) -> Bool {
        id.hasPrefix(streamID) && (id.hasSuffix("db") || id.hasSuffix("dc"))
    }

    /// OpenDML: a super index (`indx`, index of indexes) whose entries point at `ix##`
    /// standard index chunks; each standard entry is (offset from qwBaseOffset, size).
    static func fromSuperIndex(_ indx: [UInt8], file: RandomAccessFile) throws -> AVIFrameIndex? {
        guard indx.count >= 24 else { return nil }
        let longsPerEntry = Int(indx.u16(0))
        let indexType = indx[3]
        let entries = Int(indx.u32(4))
        var index = AVIFrameIndex()
        if indexType == 1 {  // a standard index placed directly in strl
            try appendStandardIndex(indx, into: &index, file: file)
            return index
        }
        guard indexType == 0, longsPerEntry == 4, 24 + entries * 16 <= indx.count else { return nil }
        for e in 0..<entries {
            let base = 24 + e * 16
            let offset = Int64(bitPattern: indx.u64(base))
            let size = Int(indx.u32(base + 8))
            guard offset >= 0, offset + 8 <= file.size, size >= 8, size <= maxIndexBytes else {
                throw VideoError.corrupt(path: file.path, reason: "OpenDML super index entry \(e) points outside the file")
            }
            let chunk = try file.bytes(at: offset, count: size + 8)
            guard chunk.count >= 8 + 24 else {
                throw VideoError.corrupt(path: file.path, reason: "OpenDML standard index at offset \(offset) is cut off")
            }
            let declared = Int(chunk.u32(4))
            try appendStandardIndex(Array(chunk[8..<min(chunk.count, 8 + declared)]), into: &index, file: file)
        }
        return index
    }

    /// Appends the entries of one standard index (`ix##` payload or `indx` of type 1).
    static func appendStandardIndex(_ ix: [UInt8], into index: inout AVIFrameIndex, file: RandomAccessFile) throws {
        guard ix.count >= 24, ix[3] == 1, ix.u16(0) == 2 else {
            throw VideoError.corrupt(path: file.path, reason: "OpenDML standard index has an unexpected layout")
        }
        let entries = Int(ix.u32(4))
        let baseOffset = Int64(bitPattern: ix.u64(12))
        guard 24 + entries * 8 <= ix.count else {
            throw VideoError.corrupt(path: file.path, reason: "OpenDML standard index claims \(entries) entries but holds \((ix.count - 24) / 8)")
        }
        for e in 0..<entries {
            let rel = Int64(ix.u32(24 + e * 8))
            let size = ix.u32(28 + e * 8) & 0x7fff_ffff  // bit 31 marks a non-key frame
            index.append(offset: baseOffset + rel, size: size)
        }
    }

    /// Legacy `idx1`: 16-byte entries (ckid, flags, offset, size). Offsets are relative to the
    /// `movi` FourCC in most files and absolute in a few; the first video entry decides.
    static func fromIdx1(_ idx1: [UInt8], moviFourCCOffset: Int64, streamID: String, file: RandomAccessFile) throws -> AVIFrameIndex? {
        let n = idx1.count / 16
        var base: Int64? = nil
        var index = AVIFrameIndex()
        for e in 0..<n {
            let p = e * 16
            let id = idx1.fourCC(p)
            guard isVideoChunk(id, streamID: streamID) else { continue }
            let offset = Int64(idx1.u32(p + 8))
            let size = idx1.u32(p + 12)
            if base == nil {
                for candidate in [moviFourCCOffset, 0] {
                    let header = try file.bytes(at: candidate + offset, count: 4)
                    if header.count == 4 && header.fourCC(0) == id { base = candidate; break }
                }
                guard base != nil else { return nil }  // index does not match the data: scan instead
            }
            index.append(offset: base! + offset + 8, size: size)
        }
        return index.count > 0 ? index : nil
    }

    /// Walks the chunks of `movi` lists (descending into `LIST rec `) collecting video chunks.
    /// A chunk cut off by the end of the file is kept with its declared size so that reading
    /// it reports the truncated frame.
    static func scan(moviLists: [(start: Int64, end: Int64)], streamID: String, file: RandomAccessFile) throws -> AVIFrameIndex {
        var index = AVIFrameIndex()
        var stack = moviLists.reversed().map { $0 }
        while let range = stack.popLast() {
            var pos = range.start
            while pos + 8 <= range.end {
                let header = try file.bytes(at: pos, count: 12)
                guard header.count >= 8 else { break }
                let id = header.fourCC(0)
                let size = Int64(header.u32(4))
                if id == "LIST", header.count == 12, header.fourCC(8) == "rec " {
                    stack.append((pos + 12, min(range.end, pos + 8 + size)))
                    // Process the nested list before continuing: push the remainder too.
                    let rest = pos + 8 + size + (size & 1)
                    if rest < range.end { stack.insert((rest, range.end), at: stack.count - 1) }
                    break
                }
                if isVideoChunk(id, streamID: streamID) {
                    index.append(offset: pos + 8, size: UInt32(size))
                }
                pos += 8 + size + (size & 1)
            }
        }
        return index
    }
}
