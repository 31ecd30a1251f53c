import Foundation
import Int8VNNI
import TensorCore

/// Direct ("shifted-row") int8 convolution for stride-1 convolutions on AVX-512 VNNI, with no
/// vol2col matrix: the int8 twin of ``FP32DirectConv``.
///
/// Each run lays the input out once as a padded volume of channel quads
/// `[⌈Cin/4⌉][Dp][Hp][Wp][4 bytes]` (`Dp = OD + kd − 1`, …; unsigned bytes `x + 128`, padding the
/// zero point's byte, so it contributes exactly zero). Output position `n = (z·Hp + y)·Wp + x` then
/// reads tap `(quad, a, b, e)` at `n + offset`, so `vpdpbusd` takes its activations straight from
/// that volume; Int32 sums stay in registers and are requantized by the micro-kernel (the shared
/// ``Int8Math/requantize(_:multiplier:low:high:zeroPoint:)``) straight into the int8 output.
/// The price: the columns with `x ≥ OW` or `y ≥ OH` are computed and dropped (`Hp·Wp / (OH·OW)`
/// extra work), and input channels are rounded up to quads. Against vol2col + GEMM it skips
/// writing and re-packing a column matrix `kd·kh·kw` times the input, which dominated the skinny
/// (8–32 output channel) layers of TinyPulse and PhysNet.
public final class Int8DirectConvolution: @unchecked Sendable {
    public let shape: Int8ConvShape
    public let requantization: Int8Requantization
    public let threads: Int
    let minimumMACsPerWorker: Int
    let quads: Int
    let paddedD: Int, paddedH: Int, paddedW: Int
    /// Bytes of one quad's padded volume.
    let quadVolumeBytes: Int
    let planesPerItem: Int
    /// `[⌈Cout/8⌉][quads·taps][8 rows][4 bytes]` weights, the tap byte offsets, `Σw` per channel.
    let packed: UnsafeMutableRawPointer
    let offsets: UnsafeMutablePointer<Int>
    let k4: Int
    let panels: Int
    let rowSums: [Int32]
    /// The quad volume of one batch item (plus the micro-kernel's read-ahead), and the bias with
    /// the zero-point term of the current run.
    let volume: UnsafeMutableRawPointer
    let volumeBytes: Int
    let runBias: UnsafeMutablePointer<Int32>
    let multipliers: UnsafeMutablePointer<Float>

    /// Output positions per work item (whole depth slices), as in ``FP32DirectConv``.
    static let itemColumns = 2048

    /// `RPPG_INT8_DIRECT=0` turns the direct path off for the whole process (A/B measurements).
    public static let isEnabled = ProcessInfo.processInfo.environment["RPPG_INT8_DIRECT"] != "0"

    /// Whether `s` runs directly on `path`: AVX-512 VNNI, one group, stride and dilation 1, and
    /// every input element inside the padded volume (non-negative pads that do not crop).
    public static func supports(_ s: Int8ConvShape, path: Int8Path) -> Bool {
        guard path == .avx512VNNI, Int8Dispatch.isSupported(path), s.groups == 1,
              s.stride == [1, 1, 1], s.dilation == [1, 1, 1] else { return false }
        return (0..<3).allSatisfy { s.padsBegin[$0] >= 0 && s.input[$0] + s.padsBegin[$0] <= s.output[$0] + s.kernel[$0] - 1 }
    }

    /// `weights`: `[outChannels][inChannels][kd][kh][kw]` signed int8; `supports(shape, .avx512VNNI)` must hold.
    public init(shape s: Int8ConvShape, weights: [Int8], requantization: Int8Requantization, threads: Int = 1,
                minimumMACsPerWorker: Int = 4 << 20) {
        precondition(Self.supports(s, path: .avx512VNNI), "Int8DirectConvolution: unsupported geometry or CPU \(s)")
        precondition(weights.count == s.outChannels * s.reduction, "conv weights hold \(weights.count) values")
        shape = s
        self.requantization = requantization
        self.threads = max(1, threads)
        self.minimumMACsPerWorker = max(1, minimumMACsPerWorker)
        paddedD = s.output[0] + s.kernel[0] - 1
        paddedH = s.output[1] + s.kernel[1] - 1
        paddedW = s.output[2] + s.kernel[2] - 1
        let plane = paddedH * paddedW
        quads = (s.inChannels + 3) / 4
        quadVolumeBytes = paddedD * plane * 4
        planesPerItem = max(1, min(s.output[0], Self.itemColumns / max(1, plane)))
        let taps = s.kernel[0] * s.kernel[1] * s.kernel[2]
        k4 = quads * taps
        panels = (s.outChannels + 7) / 8
        let packedBytes = max(64, panels * k4 * 32)
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
                    for t in 0..<4 where 4 * q + t < cin {
                        let value = weights[(co * cin + 4 * q + t) * taps + tap]
                        let index = ((co / 8 * k4 + kk) * 8 + co % 8) * 4 + t
                        packed.storeBytes(of: value, toByteOffset: index, as: Int8.self)
                    }
                }
            } } }
        }
        rowSums = (0..<s.outChannels).map { co in
            weights[(co * s.reduction)..<((co + 1) * s.reduction)].reduce(Int32(0)) { $0 + Int32($1) }
        }
        // Read-ahead of the last micro-tile: up to 47 columns past the last valid one.
        volumeBytes = quads * quadVolumeBytes + rppgVNNIShiftColumns * 4 + 64
        volume = .allocate(byteCount: volumeBytes, alignment: 64)
        volume.initializeMemory(as: UInt8.self, repeating: 0, count: volumeBytes)
        runBias = .allocate(capacity: panels * 8)
        runBias.initialize(repeating: 0, count: panels * 8)
        multipliers = .allocate(capacity: panels * 8)
        multipliers.initialize(repeating: 0, count: panels * 8)
        for c in 0..<s.outChannels { multipliers[c] = requantization.multipliers[c] }
    }

    deinit {
        packed.deallocate()
        offsets.deallocate()
        volume.deallocate()
        runBias.deallocate()
        multipliers.deallocate()
    }

    /// Runs the convolution: `input` `[batch][inChannels][positions]`, `output`
    /// `[batch][outChannels][outputPositions]`, both int8. Not reentrant (one quad volume).
    public func run(input: UnsafePointer<Int8>, xZeroPoint: Int32, output: UnsafeMutablePointer<Int8>) {
        let s = shape, rq = requantization
        // Σ w·(x − zp) = Σ w·(x + 128) − (128 + zp)·Σ w: the second term rides in the bias.
        let shift = 128 &+ xZeroPoint
        for c in 0..<s.outChannels { runBias[c] = rq.bias[c] &- shift &* rowSums[c] }
        let parameters = RPPGVNNIRequantization(
            bias: runBias, multipliers: multipliers, low: Float(rq.lower - rq.outputZeroPoint),
            high: Float(rq.upper - rq.outputZeroPoint), zeroPoint: rq.outputZeroPoint)
        let (od, oh, ow) = (s.output[0], s.output[1], s.output[2])
        let plane = paddedH * paddedW
        let items = (od + planesPerItem - 1) / planesPerItem
        let workers = max(1, min(threads, items, s.macs / s.batch / minimumMACsPerWorker))
        for n in 0..<s.batch {
            fillVolume(input + n * s.inChannels * s.inputPositions, zeroPoint: xZeroPoint)
            let y = output + n * s.outChannels * s.outputPositions
            let queue = WorkQueue(count: items)
            Parallel.forEach(workers, threads: workers) { _ in
                while let item = queue.next() {
                    let z0 = item * self.planesPerItem, planes = min(self.planesPerItem, od - z0)
                    let g = RPPGVNNIShiftGeometry(planes: planes, paddedPlane: plane, paddedW: self.paddedW, oh: oh, ow: ow,
                                                  channelStride: s.outputPositions)
                    rppgVNNIShiftConv(UnsafeRawPointer(self.packed), self.offsets, self.k4,
                                      UnsafeRawPointer(self.volume + z0 * plane * 4), self.panels, s.outChannels,
                                      g, parameters, y + z0 * oh * ow)
                }
            }
        }
    }

    /// Lays out one batch item as the padded quad volume: padding bytes (and the read-ahead) are
    /// the zero point's, so they add `w·0`; a last quad with fewer than four channels repeats a
    /// channel, whose weights are zero there.
    func fillVolume(_ x: UnsafePointer<Int8>, zeroPoint: Int32) {
        let s = shape
        let (id, ih, iw) = (s.input[0], s.input[1], s.input[2])
        let (pd, ph, pw) = (s.padsBegin[0], s.padsBegin[1], s.padsBegin[2])
        let pad = UInt8(truncatingIfNeeded: zeroPoint) ^ 0x80
        let planeBytes = paddedH * paddedW * 4
        volume.initializeMemory(as: UInt8.self, repeating: pad, count: volumeBytes)
        for q in 0..<quads {
            func channel(_ t: Int) -> UnsafePointer<Int8> { x + min(4 * q + t, s.inChannels - 1) * s.inputPositions }
            let (c0, c1, c2, c3) = (channel(0), channel(1), channel(2), channel(3))
            for z in 0..<id {
                for yy in 0..<ih {
                    let row = (z * ih + yy) * iw
                    rppgVNNIInterleaveRows(c0 + row, c1 + row, c2 + row, c3 + row, iw,
                                           volume + q * quadVolumeBytes + (z + pd) * planeBytes + ((yy + ph) * paddedW + pw) * 4)
                }
            }
        }
    }
}
