import FP32AVX2
import FP32AVX512
import Foundation

/// Direct ("shifted-row") FP32 convolution for stride-1 convolutions, with no im2col matrix.
///
/// The input is copied once into a zero-padded volume `[Cin, Dp, Hp, Wp]` (`Dp = OD + kd - 1`,
/// ...). On that volume, output position `n = (z·Hp + y)·Wp + x` reads tap `(ci, a, b, c)` at
/// `n + offset(ci, a, b, c)`, so every row of the im2col matrix is the padded input itself,
/// shifted. The micro-kernel (module FP32AVX512, or FP32AVX2) runs the GEMM `W · shifted rows` over
/// that layout, adding bias (and ReLU) before it stores; the columns with `x ≥ OW` or `y ≥ OH`
/// are computed and dropped when the valid ones are copied out (the price of the layout:
/// `Hp·Wp / (OH·OW)` extra work). For the skinny convolutions of small rPPG models (8–64 output
/// channels) this avoids building, storing and re-packing a column matrix 27× the input.
///
/// Used only when the CPU has AVX-512 or AVX2+FMA (`path`), for `supports(_:)` geometries;
/// everything else goes through `FP32Conv.conv` (im2col + sgemm), which is also the portable path.
public final class FP32DirectConv {
    public let geometry: ConvGeometry
    /// Padded input extents (d, h, w) and their products.
    let paddedD: Int, paddedH: Int, paddedW: Int
    let paddedPlane: Int, paddedVolume: Int
    /// Output planes per work item (about `itemColumns` columns each).
    let planesPerItem: Int
    /// `[Cout/rows][K][rows]` weights and the `K` tap offsets into the padded input.
    private let packed: UnsafeMutablePointer<Float>
    private let offsets: UnsafeMutablePointer<Int>
    private let k: Int

    /// Columns per work item: the item's output tile (`Cout × columns`) stays in L2.
    static let itemColumns = 2048
    /// The micro-kernel this process uses, or nil where the CPU has neither AVX-512 nor AVX2+FMA
    /// (the CPU check requires VNNI with AVX-512 F/BW for `.avx512`). `RPPG_FP32_CONV=sgemm`
    /// turns the direct path off, `=avx2` picks the AVX2 kernel on an AVX-512 CPU (A/B, tests).
    public static let path: Path? = {
        let bits = Int8Dispatch.cpuFeatureBits, forced = ProcessInfo.processInfo.environment["RPPG_FP32_CONV"]
        if forced == "sgemm" { return nil }
        if bits & 2 != 0 && forced != "avx2" { return .avx512 }
        return bits & 1 != 0 ? .avx2 : nil
    }()

    /// Instruction-set variants of the micro-kernel.
    public enum Path: String, Sendable {
        /// Module FP32AVX512: 8 rows × 48 columns per tile.
        case avx512
        /// Module FP32AVX2: 4 rows × 24 columns per tile.
        case avx2
    }

    /// True when this CPU runs direct convolutions (`path` is set).
    public static var isAvailable: Bool { path != nil }
    static let rowsPerTile = path == .avx2 ? rppgFP32AVX2RowsPerTile : rppgFP32RowsPerTile
    static let columnsPerTile = path == .avx2 ? rppgFP32AVX2ColumnsPerTile : rppgFP32ColumnsPerTile

    /// Whether `g` can run here: one group, stride and dilation 1, `Cout` a multiple of the tile rows,
    /// not a plain matrix product (those stay on sgemm, which needs no copy at all).
    public static func supports(_ g: ConvGeometry) -> Bool {
        guard isAvailable, g.groups == 1, g.stride == [1, 1, 1], g.dilation == [1, 1, 1],
              g.outChannels % rowsPerTile == 0, !g.isPointwise, g.outputVolume > 0 else { return false }
        return fitsPaddedVolume(g)
    }

    /// Whether every input element lands inside the padded volume of `padChannel` (true for
    /// non-negative pads of a stride-1 convolution).
    static func fitsPaddedVolume(_ g: ConvGeometry) -> Bool {
        (0..<3).allSatisfy { g.padsBegin[$0] >= 0 && g.input[$0] + g.padsBegin[$0] <= g.output[$0] + g.kernel[$0] - 1 }
    }

    /// Packs `weight` (`[Cout, Cin, kd, kh, kw]`); `supports(g)` must hold.
    public init(_ g: ConvGeometry, weight: UnsafePointer<Float>) {
        precondition(Self.supports(g), "FP32DirectConv: unsupported geometry \(g)")
        geometry = g
        paddedD = g.output[0] + g.kernel[0] - 1
        paddedH = g.output[1] + g.kernel[1] - 1
        paddedW = g.output[2] + g.kernel[2] - 1
        paddedPlane = paddedH * paddedW
        paddedVolume = paddedD * paddedPlane
        planesPerItem = Self.planesPerItem(g, plane: paddedPlane)
        k = g.patchSize
        let rows = Self.rowsPerTile, panels = g.outChannels / rows
        packed = .allocate(capacity: g.outChannels * k)
        for p in 0..<panels {
            for kk in 0..<k {
                for r in 0..<rows { packed[(p * k + kk) * rows + r] = weight[(p * rows + r) * k + kk] }
            }
        }
        offsets = .allocate(capacity: k)
        var kk = 0
        for ci in 0..<g.inChannels {
            for a in 0..<g.kernel[0] { for b in 0..<g.kernel[1] { for c in 0..<g.kernel[2] {
                offsets[kk] = ci * paddedVolume + a * paddedPlane + b * paddedW + c
                kk += 1
            } } }
        }
    }

    deinit {
        packed.deallocate()
        offsets.deallocate()
    }

    static func planesPerItem(_ g: ConvGeometry, plane: Int) -> Int {
        max(1, min(g.output[0], itemColumns / max(1, plane)))
    }

    /// Columns of the tile for `planes` output planes, rounded up to whole micro-tiles.
    static func tileColumns(_ g: ConvGeometry, planes: Int, paddedW: Int, plane: Int) -> Int {
        let count = (planes - 1) * plane + (g.output[1] - 1) * paddedW + g.output[2]
        return (count + columnsPerTile - 1) / columnsPerTile * columnsPerTile
    }

    /// Batch items padded and convolved together (one fork/join each for padding and for the
    /// GEMM), as many as fit in `groupFloats` of padded input.
    static func batchGroup(_ g: ConvGeometry, paddedVolume: Int) -> Int {
        max(1, min(g.batch, groupFloats / max(1, g.inChannels * paddedVolume)))
    }

    /// Padded-input floats a batch group may take (64 MB).
    static let groupFloats = 1 << 24

    /// Scratch floats `run` needs: the padded inputs of one batch group (plus the micro-kernel's
    /// read-ahead) and one output tile per worker.
    public static func scratchFloats(_ g: ConvGeometry, threads: Int) -> Int {
        let pw = g.output[2] + g.kernel[2] - 1, plane = (g.output[1] + g.kernel[1] - 1) * pw
        let volume = (g.output[0] + g.kernel[0] - 1) * plane
        let planes = planesPerItem(g, plane: plane)
        let items = batchGroup(g, paddedVolume: volume) * ((g.output[0] + planes - 1) / planes)
        let tile = g.outChannels * tileColumns(g, planes: planes, paddedW: pw, plane: plane)
        return batchGroup(g, paddedVolume: volume) * g.inChannels * volume + columnsPerTile
            + max(1, min(threads, items)) * tile
    }

    /// `y = activation(conv(x, w) + bias)`; `scratch` holds `scratchFloats(geometry, threads:)`.
    public func run(x: UnsafePointer<Float>, bias: UnsafePointer<Float>?, y: UnsafeMutablePointer<Float>,
                    activation: FP32Activation?, scratch: UnsafeMutablePointer<Float>, threads: Int) {
        let g = geometry
        let (od, oh, ow) = (g.output[0], g.output[1], g.output[2])
        let outVolume = g.outputVolume, cout = g.outChannels, cin = g.inChannels
        let group = Self.batchGroup(g, paddedVolume: paddedVolume), perItem = cin * paddedVolume
        let paddedFloats = group * perItem + Self.columnsPerTile
        let items = (od + planesPerItem - 1) / planesPerItem
        let tileFloats = cout * Self.tileColumns(g, planes: planesPerItem, paddedW: paddedW, plane: paddedPlane)
        // Bias and ReLU ride in the micro-kernel; other activations follow on the copy.
        let relu = activation == .relu, after = relu ? nil : activation
        for n0 in stride(from: 0, to: g.batch, by: group) {
            let count = min(group, g.batch - n0)
            (scratch + count * perItem).update(repeating: 0, count: Self.columnsPerTile)
            // Padding is memory-bound and cheap: split it only when it is large.
            FP32Conv.run(count * cin, threads: count * perItem >= 1 << 22 ? threads : 1) { i, _ in
                Self.padChannel(g, x + (n0 * cin + i) * g.inputVolume, into: scratch + i * paddedVolume)
            }
            FP32Conv.run(count * items, threads: threads) { index, worker in
                let n = index / items, item = index % items
                let tile = scratch + paddedFloats + worker * tileFloats
                let z0 = item * planesPerItem, z1 = min(od, z0 + planesPerItem)
                let columns = Self.tileColumns(g, planes: z1 - z0, paddedW: paddedW, plane: paddedPlane)
                let source = scratch + n * perItem + z0 * paddedPlane
                let chunks = columns / Self.columnsPerTile, panels = cout / Self.rowsPerTile
                if Self.path == .avx512 {
                    rppgFP32ShiftGEMM(packed, offsets, k, source, tile, columns, chunks, panels, bias, relu)
                } else {
                    rppgFP32AVX2ShiftGEMM(packed, offsets, k, source, tile, columns, chunks, panels, bias, relu)
                }
                let yBatch = y + (n0 + n) * cout * outVolume
                for m in 0..<cout {
                    for z in z0..<z1 {
                        let dst = yBatch + m * outVolume + z * oh * ow
                        Self.copyRows(tile + m * columns + (z - z0) * paddedPlane, paddedW, dst, ow, oh)
                        after?.apply(dst, dst, count: oh * ow)
                    }
                }
            }
        }
    }

    /// The valid columns of a tile (`rows` rows of `count`, at stride `stride`) into a dense plane.
    @inline(__always)
    static func copyRows(_ src: UnsafePointer<Float>, _ stride: Int, _ dst: UnsafeMutablePointer<Float>,
                         _ count: Int, _ rows: Int) {
        if path == .avx512 { return rppgFP32CopyRows(src, stride, dst, count, rows) }
        for r in 0..<rows {
            let from = src + r * stride, to = dst + r * count
            for i in 0..<count { to[i] = from[i] }
        }
    }

    /// Copies one input channel of `g` into its zero-padded volume `[OD+kd-1, OH+kh-1, OW+kw-1]`
    /// (also the layout of the weight gradient, `FP32ConvGradient`). One memset of the whole
    /// volume and one memmove per row measured faster than zeroing only the borders with loops.
    static func padChannel(_ g: ConvGeometry, _ src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>) {
        let (id, ih, iw) = (g.input[0], g.input[1], g.input[2])
        let (pd, ph, pw) = (g.padsBegin[0], g.padsBegin[1], g.padsBegin[2])
        let paddedH = g.output[1] + g.kernel[1] - 1, paddedW = g.output[2] + g.kernel[2] - 1
        dst.update(repeating: 0, count: (g.output[0] + g.kernel[0] - 1) * paddedH * paddedW)
        for z in 0..<id {
            for yy in 0..<ih {
                (dst + ((z + pd) * paddedH + yy + ph) * paddedW + pw).update(from: src + (z * ih + yy) * iw, count: iw)
            }
        }
    }
}
