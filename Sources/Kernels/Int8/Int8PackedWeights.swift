/// Panel geometry of one int8 path: micro-tile rows (`mr`), columns (`nr`), how many `k` steps
/// one instruction consumes (`kGroup`) and the width of a packed activation element.
public struct Int8PanelLayout: Sendable, Equatable {
    public var mr: Int
    public var nr: Int
    public var kGroup: Int
    public var activationBytes: Int
    /// Offset added to activations when packed (128 for VNNI's unsigned operand, else 0).
    public var activationOffset: Int32

    public static func of(_ path: Int8Path) -> Int8PanelLayout {
        switch path {
        case .avx512VNNI: return Int8PanelLayout(mr: 8, nr: 32, kGroup: 4, activationBytes: 1, activationOffset: 128)
        case .avx2: return Int8PanelLayout(mr: 4, nr: 24, kGroup: 2, activationBytes: 2, activationOffset: 0)
        case .avxVNNI: return Int8PanelLayout(mr: 4, nr: 24, kGroup: 4, activationBytes: 1, activationOffset: 128)
        case .portable: return Int8PanelLayout(mr: 4, nr: 16, kGroup: 2, activationBytes: 2, activationOffset: 0)
        case .reference: return Int8PanelLayout(mr: 1, nr: 1, kGroup: 1, activationBytes: 1, activationOffset: 0)
        }
    }

    /// Bytes of one row group (`kGroup` rows) of one activation panel.
    public var groupBytes: Int { nr * kGroup * activationBytes }

    /// The path this geometry belongs to (each fast path has its own).
    var path: Int8Path {
        if activationBytes == 1 { return nr == 1 ? .reference : nr == 24 ? .avxVNNI : .avx512VNNI }
        return nr == 24 ? .avx2 : .portable
    }

    /// Bytes of packed activations for a `k × n` block.
    public func packedActivationBytes(k: Int, n: Int) -> Int {
        let panels = (n + nr - 1) / nr
        let groups = (k + kGroup - 1) / kGroup
        return panels * groups * nr * kGroup * activationBytes
    }
}

/// A weight matrix `W[m][k]` (signed int8, row-major: output channels × reduction) packed once
/// for one path, with its row sums (used to apply the activation zero point and, for VNNI, the
/// +128 offset exactly: `Σ w·(x − zp) = Σ w·(x + 128) − (128 + zp)·Σ w`).
public final class Int8PackedWeights: @unchecked Sendable {
    public let path: Int8Path
    public let layout: Int8PanelLayout
    public let m: Int
    public let k: Int
    public let mPanels: Int
    public let kGroups: Int
    /// `Σ_k W[m][k]` per row.
    public let rowSums: [Int32]
    /// The row-major original (the reference path multiplies from it directly).
    public let rowMajor: [Int8]
    @usableFromInline let packed: UnsafeMutableRawPointer
    let packedByteCount: Int

    /// Packs `weights` (`m × k`, row-major) for `path`.
    public init(weights: [Int8], m: Int, k: Int, path: Int8Path) {
        precondition(weights.count >= m * k, "weights hold \(weights.count) values, need \(m * k)")
        let layout = Int8PanelLayout.of(path)
        self.path = path
        self.layout = layout
        self.m = m
        self.k = k
        self.mPanels = (m + layout.mr - 1) / layout.mr
        self.kGroups = (k + layout.kGroup - 1) / layout.kGroup
        self.rowMajor = Array(weights.prefix(m * k))
        var sums = [Int32](repeating: 0, count: m)
        for r in 0..<m {
            var s: Int32 = 0
            for c in 0..<k { s += Int32(weights[r * k + c]) }
            sums[r] = s
        }
        self.rowSums = sums
        let elementBytes = path == .avx512VNNI || path == .avxVNNI ? 1 : 2
        let count = mPanels * kGroups * layout.mr * layout.kGroup
        packedByteCount = max(64, count * elementBytes)
        packed = UnsafeMutableRawPointer.allocate(byteCount: packedByteCount, alignment: 64)
        packed.initializeMemory(as: UInt8.self, repeating: 0, count: packedByteCount)
        if path == .reference { return }
        // Panel layout [mPanel][kGroup index][mr rows][kGroup values], zero padded.
        let mr = layout.mr, g = layout.kGroup
        for p in 0..<mPanels {
            for kg in 0..<kGroups {
                for r in 0..<mr {
                    for t in 0..<g {
                        let row = p * mr + r, col = kg * g + t
                        let value: Int8 = (row < m && col < k) ? weights[row * k + col] : 0
                        let index = ((p * kGroups + kg) * mr + r) * g + t
                        if elementBytes == 1 {
                            packed.storeBytes(of: value, toByteOffset: index, as: Int8.self)
                        } else {
                            packed.storeBytes(of: Int16(value), toByteOffset: 2 * index, as: Int16.self)
                        }
                    }
                }
            }
        }
    }

    /// Convenience for buffers.
    public convenience init(weights: UnsafeBufferPointer<Int8>, m: Int, k: Int, path: Int8Path) {
        self.init(weights: Array(weights), m: m, k: k, path: path)
    }

    deinit { packed.deallocate() }
}
