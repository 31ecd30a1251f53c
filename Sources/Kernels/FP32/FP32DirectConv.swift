import FP32AVX512
import Foundation

/// Direct ("shifted-row") FP32 convolution for stride-1 convolutions, with no im2col matrix.
///
/// The input is copied once into a zero-padded volume `[Cin, Dp, Hp, Wp]` (`Dp = OD + kd - 1`,
/// ...). On that volume, output position `n = (z·Hp + y)·Wp + x` reads tap `(ci, a, b, c)` at
/// `n + offset(ci, a, b, c)`, so every row of the im2col matrix is the padded input itself,
/// shifted. The AVX-512 micro-kernel (module FP32AVX512) runs the GEMM `W · shifted rows` over
/// that layout, adding bias (and ReLU) before it stores; the columns with `x ≥ OW` or `y ≥ OH`
/// are computed and dropped when the valid ones are copied out (the price of the layout:
/// `Hp·Wp / (OH·OW)` extra work). For the skinny convolutions of small rPPG models (8–64 output
/// channels) this avoids building, storing and re-packing a column matrix 27× the input.
///
/// Used only when the CPU has AVX-512 (`isAvailable`), for `supports(_:)` geometries; everything
/// else goes through `FP32Conv.conv` (im2col + sgemm), which is also the portable path.
public final class FP32DirectConv {
    public let geometry: ConvGeometry
    /// Padded input extents (d, h, w) and their products.
    let paddedD: Int, paddedH: Int, paddedW: Int
    let paddedPlane: Int, paddedVolume: Int
    /// Output planes per work item (about `itemColumns` columns each).
    let planesPerItem: Int
    /// `[Cout/8][K][8]` weights and the `K` tap offsets into the padded input.
    private let packed: UnsafeMutablePointer<Float>
    private let offsets: UnsafeMutablePointer<Int>
    private let k: Int

    /// Columns per work item: the item's output tile (`Cout × columns`) stays in L2.
    static let itemColumns = 2048
    static let columnsPerTile = rppgFP32ColumnsPerTile
    static let rowsPerTile = rppgFP32RowsPerTile

    /// True when this CPU can run the AVX-512 micro-kernel (the CPU check requires AVX-512 F/BW
    /// with VNNI). `RPPG_FP32_CONV=sgemm` turns the direct path off, for A/B comparisons.
    public static let isAvailable: Bool = Int8Dispatch.cpuFeatureBits & 2 != 0
        && ProcessInfo.processInfo.environment["RPPG_FP32_CONV"] != "sgemm"

    /// Whether `g` can run here: one group, stride and dilation 1, `Cout` a multiple of 8,
    /// not a plain matrix product (those stay on sgemm, which needs no copy at all).
    public static func supports(_ g: ConvGeometry) -> Bool {
        guard isAvailable, g.groups == 1, g.stride == [1, 1, 1], g.dilation == [1, 1, 1],
              g.outChannels % rowsPerTile == 0, !g.isPointwise, g.outputVolume > 0 else { return false }
        // Every input element must land inside the padded volume (true for non-negative pads).
        return (0..<3).allSatisfy { g.padsBegin[$0] >= 0 && g.input[$0] + g.padsBegin[$0] <= g.output[$0] + g.kernel[$0] - 1 }
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

    /// Scratch floats `run` needs: the padded input (plus the micro-kernel's read-ahead) and one
    /// output tile per worker.
    public static func scratchFloats(_ g: ConvGeometry, threads: Int) -> Int {
        let pw = g.output[2] + g.kernel[2] - 1, plane = (g.output[1] + g.kernel[1] - 1) * pw
        let volume = (g.output[0] + g.kernel[0] - 1) * plane
        let planes = planesPerItem(g, plane: plane)
        let items = (g.output[0] + planes - 1) / planes
        let tile = g.outChannels * tileColumns(g, planes: planes, paddedW: pw, plane: plane)
        return g.inChannels * volume + columnsPerTile + max(1, min(threads, items)) * tile
    }

    /// `y = activation(conv(x, w) + bias)`; `scratch` holds `scratchFloats(geometry, threads:)`.
    public func run(x: UnsafePointer<Float>, bias: UnsafePointer<Float>?, y: UnsafeMutablePointer<Float>,
                    activation: FP32Activation?, scratch: UnsafeMutablePointer<Float>, threads: Int) {
        let g = geometry
        let (od, oh, ow) = (g.output[0], g.output[1], g.output[2])
        let outVolume = g.outputVolume, cout = g.outChannels
        let padded = scratch, paddedFloats = g.inChannels * paddedVolume + Self.columnsPerTile
        let items = (od + planesPerItem - 1) / planesPerItem
        let tileFloats = cout * Self.tileColumns(g, planes: planesPerItem, paddedW: paddedW, plane: paddedPlane)
        for n in 0..<g.batch {
            pad(x + n * g.inChannels * g.inputVolume, into: padded, threads: threads)
            let yBatch = y + n * cout * outVolume
            FP32Conv.run(items, threads: threads) { item, worker in
                let tile = scratch + paddedFloats + worker * tileFloats
                let z0 = item * planesPerItem, z1 = min(od, z0 + planesPerItem)
                let columns = Self.tileColumns(g, planes: z1 - z0, paddedW: paddedW, plane: paddedPlane)
                // Bias and ReLU ride in the micro-kernel; other activations follow on the copy.
                let relu = activation == .relu
                rppgFP32ShiftGEMM(packed, offsets, k, padded + z0 * paddedPlane, tile, columns,
                                  columns / Self.columnsPerTile, cout / Self.rowsPerTile, bias, relu)
                let after = relu ? nil : activation
                for m in 0..<cout {
                    for z in z0..<z1 {
                        let dst = yBatch + m * outVolume + z * oh * ow
                        rppgFP32CopyRows(tile + m * columns + (z - z0) * paddedPlane, paddedW, dst, ow, oh)
                        after?.apply(dst, dst, count: oh * ow)
                    }
                }
            }
        }
    }

    /// Copies one batch item into the zero-padded volume (channels split over workers).
    func pad(_ x: UnsafePointer<Float>, into padded: UnsafeMutablePointer<Float>, threads: Int) {
        let g = geometry
        let (id, ih, iw) = (g.input[0], g.input[1], g.input[2])
        let (pd, ph, pw) = (g.padsBegin[0], g.padsBegin[1], g.padsBegin[2])
        (padded + g.inChannels * paddedVolume).update(repeating: 0, count: Self.columnsPerTile)
        let right = paddedW - pw - iw
        FP32Conv.run(g.inChannels, threads: threads) { ci, _ in
            let dst = padded + ci * paddedVolume, src = x + ci * id * ih * iw
            // Zero only what the copy leaves: border planes, border rows, row ends.
            dst.update(repeating: 0, count: pd * paddedPlane)
            (dst + (pd + id) * paddedPlane).update(repeating: 0, count: (paddedD - pd - id) * paddedPlane)
            for z in 0..<id {
                let plane = dst + (z + pd) * paddedPlane
                plane.update(repeating: 0, count: ph * paddedW)
                (plane + (ph + ih) * paddedW).update(repeating: 0, count: (paddedH - ph - ih) * paddedW)
                for yy in 0..<ih {
                    let row = plane + (yy + ph) * paddedW, from = src + (z * ih + yy) * iw
                    for i in 0..<pw { row[i] = 0 }
                    for i in 0..<iw { row[pw + i] = from[i] }
                    for i in 0..<right { row[pw + iw + i] = 0 }
                }
            }
        }
    }
}
