/// The output side of the direct ("shifted-row") int8 convolutions (module Int8VNNI's
/// `rppgVNNIShiftConv`, Int8AVX2's `rppgAVX2ShiftConv`): which columns of a micro-tile are real
/// outputs, and their requantization straight into the int8 output. Inlinable, so that each
/// instruction-set module compiles this one source with its own vector width.
///
/// A work item covers `planes` output depth slices; its virtual column `v = (z·Hp + y)·Wp + x`
/// is output `(z, y, x)` when `y < oh` and `x < ow`, junk (computed and dropped) otherwise.
public struct Int8ShiftGeometry {
    public var planes: Int, paddedPlane: Int, paddedW: Int, oh: Int, ow: Int
    /// Output elements between two channels (`od·oh·ow`).
    public var channelStride: Int
    public init(planes: Int, paddedPlane: Int, paddedW: Int, oh: Int, ow: Int, channelStride: Int) {
        (self.planes, self.paddedPlane, self.paddedW, self.oh, self.ow) = (planes, paddedPlane, paddedW, oh, ow)
        self.channelStride = channelStride
    }

    /// Micro-tiles of `width` virtual columns the item computes.
    @inlinable public func chunks(width: Int) -> Int {
        ((planes &- 1) &* paddedPlane &+ (oh &- 1) &* paddedW &+ ow &+ width &- 1) / width
    }
}

/// Per-channel requantization of a direct convolution (``Int8Math/requantize(_:multiplier:low:high:zeroPoint:)``);
/// `bias` already holds any zero-point term of the path.
public struct Int8ShiftRequantization {
    public var bias: UnsafePointer<Int32>, multipliers: UnsafePointer<Float>
    public var low: Float, high: Float, zeroPoint: Int32
    public init(bias: UnsafePointer<Int32>, multipliers: UnsafePointer<Float>, low: Float, high: Float, zeroPoint: Int32) {
        (self.bias, self.multipliers, self.low, self.high, self.zeroPoint) = (bias, multipliers, low, high, zeroPoint)
    }
}

public enum Int8ShiftOutput {
    /// The driver of one work item: for each micro-tile of `width` virtual columns and each panel
    /// of `tileRows` output channels, `accumulate(panel, x at the tile's first column, tile)`
    /// fills a `tileRows × width` Int32 tile (in L1), which is requantized into `y` at once.
    /// `x` is the path's 4-byte-per-column volume at the item's first slice; `rows` real channels.
    @inlinable @inline(__always)
    public static func convolve(width: Int, tileRows: Int, panels: Int, rows: Int, _ x: UnsafeRawPointer,
                                _ g: Int8ShiftGeometry, _ rq: Int8ShiftRequantization, _ y: UnsafeMutablePointer<Int8>,
                                accumulate: (Int, UnsafeRawPointer, UnsafeMutablePointer<Int32>) -> Void) {
        let chunks = g.chunks(width: width)
        let tileBytes = tileRows &* width &* 4
        withUnsafeTemporaryAllocation(byteCount: tileBytes &+ 64 &+ 4 &* width &* 8, alignment: 64) { scratch in
            let base = scratch.baseAddress!
            let tile = base.bindMemory(to: Int32.self, capacity: tileRows &* width)
            let bytes = base.advanced(by: tileBytes).bindMemory(to: Int8.self, capacity: 64)
            let runs = base.advanced(by: tileBytes &+ 64).bindMemory(to: Int.self, capacity: 4 &* width)
            var chunk = 0
            while chunk < chunks {
                let v0 = chunk &* width
                let count = Self.runs(from: v0, width: width, g, into: runs)
                var panel = 0
                while panel < panels {
                    accumulate(panel, x + v0 &* 4, tile)
                    let channels = Swift.min(tileRows, rows &- panel &* tileRows)
                    var r = 0
                    while r < channels {
                        store(tile + r &* width, width: width, channel: panel &* tileRows &+ r, rq, runs: runs, count: count,
                              bytes: bytes, g, y)
                        r &+= 1
                    }
                    panel &+= 1
                }
                chunk &+= 1
            }
        }
    }

    /// The valid runs of the micro-tile at virtual column `v0` (`width` columns), four values per
    /// run in `runs` (room for `4·width`): tile column, length, output offset, and 1 where a
    /// 16-byte store past the run's end could leave its depth slice (so it is copied exactly).
    @inlinable
    public static func runs(from v0: Int, width: Int, _ g: Int8ShiftGeometry, into runs: UnsafeMutablePointer<Int>) -> Int {
        let outPlane = g.oh &* g.ow
        // Two divisions per micro-tile, then the walk carries (slice, row, column) by additions:
        // a division per run was a tenth of the 3-channel stems' time (k = 2 pairs × 25 taps).
        var p = v0 / g.paddedPlane
        let rem = v0 &- p &* g.paddedPlane
        var row = rem / g.paddedW, col = rem &- row &* g.paddedW
        let end = v0 &+ width
        var count = 0
        var v = v0
        while v < end && p < g.planes {
            if row >= g.oh {
                v &+= g.paddedPlane &- row &* g.paddedW &- col
                p &+= 1; row = 0; col = 0
                continue
            }
            if col >= g.ow { v &+= g.paddedW &- col; row &+= 1; col = 0; continue }
            let length = Swift.min(g.ow &- col, end &- v)
            let out = p &* outPlane &+ row &* g.ow &+ col
            runs[4 &* count] = v &- v0
            runs[4 &* count &+ 1] = length
            runs[4 &* count &+ 2] = out
            runs[4 &* count &+ 3] = out &+ ((length &+ 15) & ~15) > (p &+ 1) &* outPlane ? 1 : 0
            count &+= 1
            v &+= length
            col &+= length
        }
        return count
    }

    /// Requantizes the `width` accumulators of channel `c` into `bytes` (`width + 16` bytes), then
    /// stores the valid runs into that channel's output (`y` is channel 0 at the item's first slice).
    @inlinable @inline(__always)
    public static func store(_ acc: UnsafePointer<Int32>, width: Int, channel c: Int, _ rq: Int8ShiftRequantization,
                             runs: UnsafePointer<Int>, count: Int, bytes: UnsafeMutablePointer<Int8>,
                             _ g: Int8ShiftGeometry, _ y: UnsafeMutablePointer<Int8>) {
        let b = rq.bias[c], m = rq.multipliers[c]
        var j = 0
        while j < width {
            bytes[j] = Int8Math.requantize(acc[j] &+ b, multiplier: m, low: rq.low, high: rq.high, zeroPoint: rq.zeroPoint)
            j &+= 1
        }
        let dst = y + c &* g.channelStride
        var q = 0
        while q < count {
            copyRun(bytes + runs[4 &* q], runs[4 &* q &+ 1], dst + runs[4 &* q &+ 2], exact: runs[4 &* q &+ 3] != 0)
            q &+= 1
        }
    }

    /// Copies a run of requantized bytes. Runs of one slice are adjacent in the output and are
    /// stored in order, so a 16-byte store past a run's end is overwritten by the next run; the
    /// last run of a slice is copied exactly.
    @inlinable @inline(__always)
    static func copyRun(_ src: UnsafePointer<Int8>, _ length: Int, _ dst: UnsafeMutablePointer<Int8>, exact: Bool) {
        let s = UnsafeRawPointer(src), d = UnsafeMutableRawPointer(dst)
        if !exact || length >= 16 {
            var i = 0
            while i &+ 16 <= length || (!exact && i < length) {
                d.storeBytes(of: s.loadUnaligned(fromByteOffset: i, as: SIMD16<UInt8>.self), toByteOffset: i, as: SIMD16<UInt8>.self)
                i &+= 16
            }
            if exact && i < length {
                let t = length &- 16
                d.storeBytes(of: s.loadUnaligned(fromByteOffset: t, as: SIMD16<UInt8>.self), toByteOffset: t, as: SIMD16<UInt8>.self)
            }
            return
        }
        var i = 0
        while i < length { dst[i] = src[i]; i &+= 1 }
    }
}
