import Foundation
import Int8AVX2
import Int8Runtime
import Int8VNNI
import TensorCore

/// Direct ("shifted-row") int8 convolution for stride-1 convolutions on AVX-512 VNNI and AVX2,
/// with no vol2col matrix: the int8 twin of ``FP32DirectConv``.
///
/// Each run lays the input out once as a padded volume of channel groups
/// `[⌈Cin/g⌉][Dp][Hp][Wp][4 bytes]` (`Dp = OD + kd − 1`; rows and slices share their padding, see
/// ``sharedPadding(_:axis:)``). AVX-512 VNNI: quads (g = 4) of
/// unsigned bytes `x + 128` for `vpdpbusd`, padding the zero point's byte; AVX2: pairs (g = 2) of
/// int16 `x − zp` for `vpmaddwd`, padding 0; either way padding contributes exactly zero.
/// Output position `n = (z·Hp + y)·Wp + x` then reads tap `(group, a, b, e)` at `n + offset`, so
/// the dot-product instruction takes its activations straight from that volume; Int32 sums stay in
/// registers and are requantized by the micro-kernel (``Int8ShiftOutput``, the shared
/// ``Int8Math/requantize(_:multiplier:low:high:zeroPoint:)``) straight into the int8 output.
/// The price: the columns with `x ≥ OW` or `y ≥ OH` are computed and dropped (`Hp·Wp / (OH·OW)`
/// extra work), and input channels are rounded up to quads. Against vol2col + GEMM it skips
/// writing and re-packing a column matrix `kd·kh·kw` times the input, which dominated the skinny
/// (8–32 output channel) layers of TinyPulse and PhysNet.
public final class Int8DirectConvolution: @unchecked Sendable {
    public let shape: Int8ConvShape
    public let requantization: Int8Requantization
    public let threads: Int
    /// `.avx512VNNI` or `.avx2`.
    public let path: Int8Path
    let minimumMACsPerWorker: Int
    /// Input channels per 32-bit lane (4 or 2), output channels per micro-tile (8 or 4).
    let groupChannels: Int, tileRows: Int
    let quads: Int
    let paddedD: Int, paddedH: Int, paddedW: Int
    /// Channel groups (`quads` for both paths) and the bytes of one group's padded volume.
    let quadVolumeBytes: Int
    let planesPerItem: Int
    /// `[⌈Cout/rows⌉][quads·taps][rows][4 bytes]` weights, the tap byte offsets, `Σw` per channel.
    let packed: UnsafeMutableRawPointer
    let offsets: UnsafeMutablePointer<Int>
    let k4: Int
    let panels: Int
    let rowSums: [Int32]
    /// Quad volumes of one batch item each (plus the micro-kernel's read-ahead): one for a single
    /// item, one per worker when batch items run side by side. And the bias with the zero-point
    /// term of the current run.
    let volumes: [UnsafeMutableRawPointer]
    let volumeBytes: Int
    let runBias: UnsafeMutablePointer<Int32>
    let multipliers: UnsafeMutablePointer<Float>

    /// Output positions per work item (whole depth slices), as in ``FP32DirectConv``.
    static let itemColumns = 2048

    /// `RPPG_INT8_DIRECT=0` turns the direct path off for the whole process (A/B measurements).
    public static let isEnabled = ProcessInfo.processInfo.environment["RPPG_INT8_DIRECT"] != "0"

    /// Row length (axis 2) or rows per slice (axis 1) of the padded volume. A row's end padding is
    /// also the next row's begin padding (and likewise for rows of a slice), so a row holds the
    /// input plus `max(begin, end)` zeros, not `begin + end`: a tap that reads past a row's end
    /// lands in the next row's begin gap (at most `end` ≤ that gap's width past the row's real
    /// data), which is zero too. That trims the junk columns the micro-kernel computes and drops,
    /// 49 % → 23 % of the outputs at 9 × 9 with pads 1 (TinyPulse block3). The row must still
    /// hold every output column (`≥ output`, which only matters for pads beyond the kernel).
    static func sharedPadding(_ s: Int8ConvShape, axis a: Int) -> Int {
        let end = s.output[a] + s.kernel[a] - 1 - s.input[a] - s.padsBegin[a]
        return max(s.input[a] + max(s.padsBegin[a], end), s.output[a])
    }

    /// Whether `s` runs directly on `path`: AVX-512 VNNI or AVX2, one group, stride and dilation
    /// 1, and every input element inside the padded volume (non-negative pads that do not crop).
    public static func supports(_ s: Int8ConvShape, path: Int8Path) -> Bool {
        guard path == .avx512VNNI || path == .avx2, Int8Dispatch.isSupported(path), s.groups == 1,
              s.stride == [1, 1, 1], s.dilation == [1, 1, 1] else { return false }
        return (0..<3).allSatisfy { s.padsBegin[$0] >= 0 && s.input[$0] + s.padsBegin[$0] <= s.output[$0] + s.kernel[$0] - 1 }
    }

    /// `weights`: `[outChannels][inChannels][kd][kh][kw]` signed int8; `supports(shape, path)` must hold.
    public init(shape s: Int8ConvShape, weights: [Int8], requantization: Int8Requantization, path: Int8Path = .avx512VNNI,
                threads: Int = 1, minimumMACsPerWorker: Int = 4 << 20) {
        precondition(Self.supports(s, path: path), "Int8DirectConvolution: unsupported geometry or CPU \(s) for \(path)")
        self.path = path
        let vnni = path == .avx512VNNI
        (groupChannels, tileRows) = vnni ? (4, 8) : (2, 4)
        let (gc, mr) = (groupChannels, tileRows)
        precondition(weights.count == s.outChannels * s.reduction, "conv weights hold \(weights.count) values")
        shape = s
        self.requantization = requantization
        self.threads = max(1, threads)
        self.minimumMACsPerWorker = max(1, minimumMACsPerWorker)
        paddedD = s.output[0] + s.kernel[0] - 1
        paddedH = Self.sharedPadding(s, axis: 1)
        paddedW = Self.sharedPadding(s, axis: 2)
        let plane = paddedH * paddedW
        quads = (s.inChannels + gc - 1) / gc
        quadVolumeBytes = paddedD * plane * 4
        planesPerItem = max(1, min(s.output[0], Self.itemColumns / max(1, plane)))
        let taps = s.kernel[0] * s.kernel[1] * s.kernel[2]
        k4 = quads * taps
        panels = (s.outChannels + mr - 1) / mr
        let packedBytes = max(64, panels * k4 * mr * 4)
        packed = .allocate(byteCount: packedBytes, alignment: 64)
        packed.initializeMemory(as: UInt8.self, repeating: 0, count: packedBytes)
        offsets = .allocate(capacity: max(1, k4))
        let cin = s.inChannels
        for q in 0..<quads {
            for a in 0..<s.kernel[0] { for b in 0..<s.kernel[1] { for e in 0..<s.kernel[2] {
                let tap = (a * s.kernel[1] + b) * s.kernel[2] + e
                let kk = q * taps + tap
                offsets[kk] = q * quadVolumeBytes + ((a * paddedH + b) * paddedW + e) * 4
                for co in 0..<s.outChannels {
                    for t in 0..<gc where gc * q + t < cin {
                        let value = weights[(co * cin + gc * q + t) * taps + tap]
                        let index = ((co / mr * k4 + kk) * mr + co % mr) * gc + t
                        if vnni {
                            packed.storeBytes(of: value, toByteOffset: index, as: Int8.self)
                        } else {
                            packed.storeBytes(of: Int16(value), toByteOffset: 2 * index, as: Int16.self)
                        }
                    }
                }
            } } }
        }
        rowSums = (0..<s.outChannels).map { co in
            weights[(co * s.reduction)..<((co + 1) * s.reduction)].reduce(Int32(0)) { $0 + Int32($1) }
        }
        // Read-ahead of the last micro-tile (up to 47 columns past the last valid one), plus the
        // rows and columns the last slice's taps read past its shared padding.
        let overrun = (s.output[1] + s.kernel[1] - 1 - paddedH) * paddedW + max(0, s.output[2] + s.kernel[2] - 1 - paddedW)
        volumeBytes = quads * quadVolumeBytes + (48 + overrun) * 4 + 64
        volumes = (0..<(s.batch > 1 ? min(self.threads, s.batch) : 1)).map { [volumeBytes] _ in
            let v = UnsafeMutableRawPointer.allocate(byteCount: volumeBytes, alignment: 64)
            v.initializeMemory(as: UInt8.self, repeating: 0, count: volumeBytes)
            return v
        }
        runBias = .allocate(capacity: panels * mr)
        runBias.initialize(repeating: 0, count: panels * mr)
        multipliers = .allocate(capacity: panels * mr)
        multipliers.initialize(repeating: 0, count: panels * mr)
        for c in 0..<s.outChannels { multipliers[c] = requantization.multipliers[c] }
    }

    deinit {
        packed.deallocate()
        offsets.deallocate()
        for v in volumes { v.deallocate() }
        runBias.deallocate()
        multipliers.deallocate()
    }

    /// Runs the convolution: `input` `[batch][inChannels][positions]`, `output`
    /// `[batch][outChannels][outputPositions]`, both int8. Not reentrant (the volumes are shared).
    public func run(input: UnsafePointer<Int8>, xZeroPoint: Int32, output: UnsafeMutablePointer<Int8>) {
        let s = shape, rq = requantization
        // VNNI: Σ w·(x − zp) = Σ w·(x + 128) − (128 + zp)·Σ w, the second term rides in the bias;
        // the AVX2 volume holds x − zp itself.
        let shift = path == .avx512VNNI ? 128 &+ xZeroPoint : 0
        for c in 0..<s.outChannels { runBias[c] = rq.bias[c] &- shift &* rowSums[c] }
        let parameters = Int8ShiftRequantization(
            bias: runBias, multipliers: multipliers, low: Float(rq.lower - rq.outputZeroPoint),
            high: Float(rq.upper - rq.outputZeroPoint), zeroPoint: rq.outputZeroPoint)
        let (od, oh, ow) = (s.output[0], s.output[1], s.output[2])
        let plane = paddedH * paddedW
        let items = (od + planesPerItem - 1) / planesPerItem
        // Slabs of depth slices of one volume are the work items of a 3-D clip. A batch of 2-D
        // frames (DeepPhys, EfficientPhys: [N·T, C, H, W], one slice each) has a single slab per
        // item, so there the batch items are the work: each worker fills its own volume.
        func slab(_ item: Int, volume: UnsafeMutableRawPointer, output y: UnsafeMutablePointer<Int8>) {
            let z0 = item * planesPerItem, planes = min(planesPerItem, od - z0)
            let g = Int8ShiftGeometry(planes: planes, paddedPlane: plane, paddedW: paddedW, oh: oh, ow: ow,
                                      channelStride: s.outputPositions)
            let (w, x) = (UnsafeRawPointer(packed), UnsafeRawPointer(volume + z0 * plane * 4))
            if path == .avx512VNNI {
                rppgVNNIShiftConv(w, offsets, k4, x, panels, s.outChannels, g, parameters, y + z0 * oh * ow)
            } else {
                rppgAVX2ShiftConv(w, offsets, k4, x, panels, s.outChannels, g, parameters, y + z0 * oh * ow)
            }
        }
        let itemInput = s.inChannels * s.inputPositions, itemOutput = s.outChannels * s.outputPositions
        if volumes.count > 1 {
            let workers = max(1, min(volumes.count, s.macs / minimumMACsPerWorker))
            let queue = WorkQueue(count: s.batch)
            Parallel.forEach(workers, threads: workers) { w in
                while let n = queue.next() {
                    self.fillVolume(input + n * itemInput, zeroPoint: xZeroPoint, into: self.volumes[w])
                    for item in 0..<items { slab(item, volume: self.volumes[w], output: output + n * itemOutput) }
                }
            }
            return
        }
        let workers = max(1, min(threads, items, s.macs / s.batch / minimumMACsPerWorker))
        for n in 0..<s.batch {
            fillVolume(input + n * itemInput, zeroPoint: xZeroPoint, into: volumes[0])
            let queue = WorkQueue(count: items)
            Parallel.forEach(workers, threads: workers) { _ in
                while let item = queue.next() { slab(item, volume: self.volumes[0], output: output + n * itemOutput) }
            }
        }
    }

    /// Lays out one batch item as the padded group volume: padding (and the read-ahead) is the
    /// zero point's value, so it adds `w·0`; a last group with fewer channels repeats a channel,
    /// whose weights are zero there.
    func fillVolume(_ x: UnsafePointer<Int8>, zeroPoint: Int32, into volume: UnsafeMutableRawPointer) {
        let s = shape
        let (id, ih, iw) = (s.input[0], s.input[1], s.input[2])
        let (pd, ph, pw) = (s.padsBegin[0], s.padsBegin[1], s.padsBegin[2])
        let vnni = path == .avx512VNNI, gc = groupChannels
        let pad = vnni ? UInt8(truncatingIfNeeded: zeroPoint) ^ 0x80 : 0
        let planeBytes = paddedH * paddedW * 4
        volume.initializeMemory(as: UInt8.self, repeating: pad, count: volumeBytes)
        for q in 0..<quads {
            func channel(_ t: Int) -> UnsafePointer<Int8> { x + min(gc * q + t, s.inChannels - 1) * s.inputPositions }
            let (c0, c1, c2, c3) = (channel(0), channel(1), channel(2), channel(3))
            for z in 0..<id {
                for yy in 0..<ih {
                    let row = (z * ih + yy) * iw
                    let dst = volume + q * quadVolumeBytes + (z + pd) * planeBytes + ((yy + ph) * paddedW + pw) * 4
                    if vnni {
                        rppgVNNIInterleaveRows(c0 + row, c1 + row, c2 + row, c3 + row, iw, dst)
                    } else {
                        rppgAVX2InterleavePairs(c0 + row, c1 + row, iw, zeroPoint, dst.assumingMemoryBound(to: Int16.self))
                    }
                }
            }
        }
    }
}
