import Foundation
import TensorCore

/// A compiled int8 convolution: weights packed once for one path, scratch for `threads` workers
/// allocated once, so ``run(input:xZeroPoint:output:)`` allocates nothing.
///
/// Lowering: vol2col (im2col for 3-D) of a block of output positions, a few rows at a time into
/// an L1-sized buffer that is packed straight into the path's panels (padding filled with the
/// input zero point, so it contributes exactly zero), the path's GEMM, then per-channel
/// requantization with the zero-point term folded into the bias. Groups run as separate GEMMs.
/// Stride-1 convolutions on AVX-512 VNNI and AVX2 skip all of that and run ``Int8DirectConvolution``.
public final class Int8Convolution: @unchecked Sendable {
    public let shape: Int8ConvShape
    public let path: Int8Path
    public let requantization: Int8Requantization
    public let threads: Int
    /// Per-group packed weights (`outChannels/groups × reduction`).
    let groupWeights: [Int8PackedWeights]
    let weights: [Int8]
    let blockColumns: Int
    /// vol2col rows built and packed at a time (a multiple of every `kGroup`), about 32 KiB.
    let chunkRows: Int
    let scratch: [Scratch]
    /// Smallest share of multiply-accumulates worth a thread (default ≈ 20 µs of VNNI work).
    public let minimumMACsPerWorker: Int
    /// The direct kernel that ``run(input:xZeroPoint:output:)`` uses instead of vol2col + GEMM,
    /// where ``Int8DirectConvolution/supports(_:path:)`` holds (nil elsewhere).
    public let direct: Int8DirectConvolution?

    final class Scratch {
        let columns: UnsafeMutablePointer<Int8>
        let packed: UnsafeMutableRawPointer
        let tile: UnsafeMutablePointer<Int32>
        /// W-padding masks of the current block (``Int8VolumeColumns/columnMasks(shape:firstColumn:count:into:)``).
        let masks: UnsafeMutablePointer<UInt8>
        init(columnBytes: Int, packedBytes: Int, tileCount: Int, maskBytes: Int) {
            columns = .allocate(capacity: max(1, columnBytes))
            packed = .allocate(byteCount: max(64, packedBytes), alignment: 64)
            tile = .allocate(capacity: max(1, tileCount))
            masks = .allocate(capacity: max(1, maskBytes))
        }
        deinit { columns.deallocate(); packed.deallocate(); tile.deallocate(); masks.deallocate() }
    }

    /// `weights`: `[outChannels][inChannels/groups][kd][kh][kw]` signed int8. `threads` is an upper
    /// bound: a layer gets one worker per `minimumMACsPerWorker` multiply-accumulates at most.
    /// `allowDirect: false` keeps vol2col + GEMM even where the direct kernel applies (benchmarks, tests).
    public init(shape: Int8ConvShape, weights: [Int8], requantization: Int8Requantization,
                path: Int8Path = Int8Dispatch.best, threads: Int = 1, minimumMACsPerWorker: Int = 4 << 20,
                allowDirect: Bool = Int8DirectConvolution.isEnabled) {
        precondition(weights.count == shape.outChannels * shape.reduction,
                     "conv weights hold \(weights.count) values, need \(shape.outChannels * shape.reduction)")
        precondition(requantization.multipliers.count == shape.outChannels, "one requantization entry per output channel")
        precondition(Int8Dispatch.isSupported(path), "int8 path \(path) is not supported by this CPU")
        self.shape = shape
        self.path = path
        self.requantization = requantization
        self.threads = max(1, threads)
        self.minimumMACsPerWorker = max(1, minimumMACsPerWorker)
        self.weights = weights
        direct = allowDirect && Int8DirectConvolution.supports(shape, path: path)
            ? Int8DirectConvolution(shape: shape, weights: weights, requantization: requantization, path: path, threads: threads,
                                    minimumMACsPerWorker: minimumMACsPerWorker)
            : nil
        let m = shape.outChannels / shape.groups, k = shape.reduction
        groupWeights = path == .reference ? [] : (0..<shape.groups).map { g in
            Int8PackedWeights(weights: Array(weights[(g * m * k)..<((g + 1) * m * k)]), m: m, k: k, path: path)
        }
        // Block of output positions per GEMM call: about 512 KiB of packed vol2col (a quarter of a
        // 2 MiB L2), a multiple of every nr. Wider blocks spread vol2col's per-row set-up wider.
        let layout = Int8PanelLayout.of(path)
        let want = max(96, (512 * 1024 / max(k, 1)) / 96 * 96)
        let block = min(want, (shape.outputPositions + 95) / 96 * 96)
        blockColumns = block
        chunkRows = min((k + 3) / 4 * 4, max(4, (32 * 1024 / block) / 4 * 4))
        let mRows = ((m + layout.mr - 1) / layout.mr) * layout.mr
        let workers = path == .reference ? 0 : max(1, threads)
        scratch = (0..<workers).map { [chunkRows] _ in
            Scratch(columnBytes: chunkRows * block, packedBytes: layout.packedActivationBytes(k: k, n: block),
                    tileCount: mRows * block, maskBytes: shape.kernel[2] * block)
        }
    }

    /// Runs the convolution: `input` `[batch][inChannels][positions]`, `output`
    /// `[batch][outChannels][outputPositions]`, both int8.
    public func run(input: UnsafePointer<Int8>, xZeroPoint: Int32, output: UnsafeMutablePointer<Int8>) {
        if let direct { return direct.run(input: input, xZeroPoint: xZeroPoint, output: output) }
        execute(input: input, xZeroPoint: xZeroPoint) { channel, offset, acc, count, correction in
            self.requantization.apply(row: acc, count: count, channel: channel, accumulatorOffset: correction,
                                      path: self.path, to: output + offset)
        }
    }

    /// Raw accumulators `Σ w·(x − zp)` (no bias, no requantization), for tests and benchmarks;
    /// always through vol2col + GEMM (the direct kernel never stores its accumulators).
    public func runAccumulators(input: UnsafePointer<Int8>, xZeroPoint: Int32, output: UnsafeMutablePointer<Int32>) {
        execute(input: input, xZeroPoint: xZeroPoint) { _, offset, acc, count, correction in
            let out = output + offset
            for j in 0..<count { out[j] = acc[j] &+ correction }
        }
    }

    /// `emit(channel, flat output offset, raw accumulators, count, correction)`: the true
    /// accumulator is `raw &+ correction` (the zero-point term `−(offset + zp)·Σw`, folded into the
    /// epilogue instead of a pass over the tile).
    private func execute(input: UnsafePointer<Int8>, xZeroPoint: Int32,
                         emit: (Int, Int, UnsafePointer<Int32>, Int, Int32) -> Void) {
        let s = shape
        if path == .reference {
            Int8ConvolutionReference.accumulate(shape: s, weights: weights, input: input, xZeroPoint: xZeroPoint) {
                emit($0, $1, $2, $3, 0)
            }
            return
        }
        let n = s.outputPositions
        let blocks = (n + blockColumns - 1) / blockColumns
        let items = s.batch * s.groups * blocks
        let m = s.outChannels / s.groups, k = s.reduction
        let cinG = s.inChannels / s.groups
        let layout = Int8PanelLayout.of(path)
        let kGroups = (k + layout.kGroup - 1) / layout.kGroup
        let shift = layout.activationOffset &+ xZeroPoint
        let zeroPoint = Int8(truncatingIfNeeded: xZeroPoint)
        let planar = Int8VolumeColumns.isPlanar(s)
        // A worker per `minimumMACsPerWorker` at most: waking a second thread costs more than a
        // small layer (TinyPulse's head, PhysNet's last blocks at batch 1), so they stay on one.
        let workers = max(1, min(threads, items, s.macs / minimumMACsPerWorker))
        // Items are handed out one at a time, not dealt in advance: on a shared machine one worker
        // may be descheduled, and a fixed split would make the layer wait for it.
        let queue = WorkQueue(count: items)
        Parallel.forEach(workers, threads: workers) { w in
            let sc = self.scratch[w]
            while let item = queue.next() {
                let block = item % blocks
                let g = (item / blocks) % s.groups
                let b = item / (blocks * s.groups)
                let n0 = block * blockColumns
                let count = min(blockColumns, n - n0)
                let x = input + (b * s.inChannels + g * cinG) * s.inputPositions
                let pw = self.groupWeights[g]
                if planar { Int8VolumeColumns.columnMasks(shape: s, firstColumn: n0, count: count, into: sc.masks) }
                var r0 = 0
                while r0 < k {
                    let rows = min(chunkRows, k - r0)
                    Int8VolumeColumns.fill(shape: s, input: x, zeroPoint: zeroPoint, firstColumn: n0, count: count,
                                           rows: r0..<(r0 + rows), columnMasks: planar ? sc.masks : nil,
                                           avx2: path != .portable, into: sc.columns)
                    Int8GEMM.packRows(sc.columns, ldx: count, rows: rows, count: count, layout: layout,
                                      into: sc.packed + (r0 / layout.kGroup) * layout.groupBytes,
                                      panelStride: kGroups * layout.groupBytes)
                    r0 += rows
                }
                let panels = (count + layout.nr - 1) / layout.nr
                let ldc = panels * layout.nr
                Int8GEMM.multiplyRaw(pw, packed: sc.packed, panels: panels, c: sc.tile, ldc: ldc)
                for r in 0..<m {
                    emit(g * m + r, (b * s.outChannels + g * m + r) * n + n0, sc.tile + r * ldc, count,
                         0 &- shift &* pw.rowSums[r])
                }
            }
        }
    }
}

/// A shared counter over `0..<count` (a lock per hand-out: items are whole column blocks).
final class WorkQueue: @unchecked Sendable {
    private let lock = NSLock()
    private var nextItem = 0
    private let count: Int
    init(count: Int) { self.count = count }

    func next() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard nextItem < count else { return nil }
        nextItem += 1
        return nextItem - 1
    }
}
