import Int8AVX2
import Int8VNNI
import TensorCore

/// A full int8 matrix multiply `C[m][n] = Σ_k W[m][k]·(X[k][n] − zp)` with scratch allocated
/// once: columns are processed in blocks (pack, multiply, copy out), split over `threads`.
public final class Int8GEMMPlan: @unchecked Sendable {
    public let weights: Int8PackedWeights
    public let n: Int
    public let threads: Int
    let blockColumns: Int
    let packed: [UnsafeMutableRawPointer]
    let tiles: [UnsafeMutablePointer<Int32>]

    public init(weights: Int8PackedWeights, n: Int, threads: Int = 1) {
        precondition(weights.path != .reference, "the reference path has no plan; call Int8GEMM.reference")
        self.weights = weights
        self.n = n
        self.threads = max(1, threads)
        let layout = weights.layout
        let want = max(96, (256 * 1024 / max(weights.k, 1)) / 96 * 96)
        let block = min(want, (n + 95) / 96 * 96)
        blockColumns = block
        let rows = weights.mPanels * layout.mr
        packed = (0..<self.threads).map { _ in
            UnsafeMutableRawPointer.allocate(byteCount: max(64, layout.packedActivationBytes(k: weights.k, n: block)), alignment: 64)
        }
        tiles = (0..<self.threads).map { _ in UnsafeMutablePointer<Int32>.allocate(capacity: rows * block) }
    }

    deinit {
        packed.forEach { $0.deallocate() }
        tiles.forEach { $0.deallocate() }
    }

    /// Runs the multiply; `x` is `k × n` row-major (stride `ldx`), `c` is `m × n` (stride `ldc`).
    public func run(x: UnsafePointer<Int8>, ldx: Int, xZeroPoint: Int32, c: UnsafeMutablePointer<Int32>, ldc: Int) {
        let blocks = (n + blockColumns - 1) / blockColumns
        let workers = min(threads, blocks)
        let w = weights, layout = weights.layout
        let shift = layout.activationOffset &+ xZeroPoint
        Parallel.forEach(workers, threads: workers) { worker in
            var block = worker
            while block < blocks {
                let n0 = block * self.blockColumns
                let count = min(self.blockColumns, self.n - n0)
                Int8GEMM.packActivations(x + n0, k: w.k, count: count, ldx: ldx, layout: layout, into: self.packed[worker])
                let panels = (count + layout.nr - 1) / layout.nr
                let tileStride = panels * layout.nr
                Int8GEMM.multiplyRaw(w, packed: self.packed[worker], panels: panels, c: self.tiles[worker], ldc: tileStride)
                // The zero-point correction rides on the copy out of the tile (one pass, not two).
                for r in 0..<w.m {
                    let correction = 0 &- shift &* w.rowSums[r]
                    let src = self.tiles[worker] + r * tileStride, dst = c + r * ldc + n0
                    for j in 0..<count { dst[j] = src[j] &+ correction }
                }
                block += workers
            }
        }
    }
}

/// Peak-throughput probes for benchmarks; `nil` where the CPU lacks the instruction set.
public enum Int8PeakProbe {
    /// Runs `iterations` × 16 `vpdpbusd` (128 int8 ops each) and returns a checksum.
    public static func vnni(iterations: Int) -> Int32? {
        Int8Dispatch.isSupported(.avx512VNNI) ? rppgVNNIPeakLoop(iterations) : nil
    }
    /// int8 ops per `vnni(iterations:)` iteration.
    public static let vnniOpsPerIteration = 16 * 64 * 2
    /// Runs `iterations` × 12 `vpmaddwd` + `vpaddd` on 8 int16 pairs (256-bit) and returns a checksum.
    public static func pairs(iterations: Int) -> Int32? {
        Int8Dispatch.isSupported(.avx2) ? rppgAVX2PairPeakLoop(iterations) : nil
    }
    /// int8 ops per `pairs(iterations:)` iteration (2 per multiply-add).
    public static let pairOpsPerIteration = 12 * 16 * 2
    /// Runs `iterations` × 12 FMAs on 8 floats (256-bit) and returns a checksum.
    public static func fma(iterations: Int) -> Float? {
        Int8Dispatch.isSupported(.avx2) ? rppgFMAPeakLoop(iterations) : nil
    }
    /// Flops per `fma(iterations:)` iteration.
    public static let fmaFlopsPerIteration = 12 * 8 * 2
}
