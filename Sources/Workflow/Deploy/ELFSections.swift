import Foundation

/// Section sizes of a 32-bit little-endian ELF (the firmware `rppg.elf`), read from its section
/// header table, for the measured flash and RAM figures of `deploy-run` (Debian's LLVM ships no
/// `llvm-size`). Flash is what the image stores (allocated sections with file contents, including
/// `.data`'s initial values); RAM is what it occupies while running (writable allocated sections).
public struct ELFSections: Sendable, Equatable {
    public struct Section: Sendable, Equatable {
        public var name: String
        public var address: UInt32
        public var size: Int
        /// SHF_ALLOC: occupies memory at run time.
        public var allocated: Bool
        /// SHF_WRITE.
        public var writable: Bool
        /// SHF_EXECINSTR.
        public var executable: Bool
        /// Not SHT_NOBITS: the file holds its bytes (code, constants, initial data).
        public var hasContents: Bool
    }

    public var sections: [Section]

    public struct FormatError: Error, CustomStringConvertible {
        public let description: String
    }

    public init(contentsOf url: URL) throws {
        let data = try Data(contentsOf: url)
        func fail(_ why: String) -> FormatError { FormatError(description: "\(url.path): not a 32-bit little-endian ELF file (\(why))") }
        guard data.count >= 52, data.prefix(4) == Data([0x7F, 0x45, 0x4C, 0x46]) else { throw fail("no ELF magic") }
        guard data[4] == 1, data[5] == 1 else { throw fail("class \(data[4]), data encoding \(data[5])") }
        func u16(_ o: Int) -> Int { Int(data[o]) | Int(data[o + 1]) << 8 }
        func u32(_ o: Int) -> UInt32 { UInt32(data[o]) | UInt32(data[o + 1]) << 8 | UInt32(data[o + 2]) << 16 | UInt32(data[o + 3]) << 24 }
        let table = Int(u32(32)), entrySize = u16(46), count = u16(48), namesIndex = u16(50)
        guard entrySize >= 40, count > namesIndex, table + count * entrySize <= data.count else { throw fail("section table out of bounds") }
        func header(_ i: Int) -> (name: Int, type: UInt32, flags: UInt32, address: UInt32, offset: Int, size: Int) {
            let o = table + i * entrySize
            return (Int(u32(o)), u32(o + 4), u32(o + 8), u32(o + 12), Int(u32(o + 16)), Int(u32(o + 20)))
        }
        let names = header(namesIndex)
        guard names.offset + names.size <= data.count else { throw fail("section names out of bounds") }
        func name(_ offset: Int) -> String {
            var end = names.offset + offset
            while end < names.offset + names.size, data[end] != 0 { end += 1 }
            return String(decoding: data[(names.offset + offset)..<end], as: UTF8.self)
        }
        sections = (1..<count).map { i in
            let h = header(i)
            return Section(name: name(h.name), address: h.address, size: h.size, allocated: h.flags & 2 != 0,
                           writable: h.flags & 1 != 0, executable: h.flags & 4 != 0, hasContents: h.type != 8)
        }
    }

    /// Bytes the image stores in flash: code, constants and initial values of `.data`.
    public var flashBytes: Int { sections.filter { $0.allocated && $0.hasContents }.reduce(0) { $0 + $1.size } }
    /// Code bytes (executable sections).
    public var codeBytes: Int { sections.filter { $0.allocated && $0.executable }.reduce(0) { $0 + $1.size } }
    /// Bytes of the named sections (0 if absent).
    public func bytes(of names: Set<String>) -> Int { sections.filter { names.contains($0.name) }.reduce(0) { $0 + $1.size } }
    /// Writable memory at run time (data, bss, stack, arena sections).
    public var ramBytes: Int { sections.filter { $0.allocated && $0.writable }.reduce(0) { $0 + $1.size } }
}
