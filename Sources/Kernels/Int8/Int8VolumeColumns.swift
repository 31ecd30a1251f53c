import Int8AVX2

/// vol2col: the im2col matrix of a 3-D convolution for a block of output positions.
/// Row `((c·kd + a)·kh + b)·kw + e` holds, for each output position of the block, the input
/// value under kernel tap `(a, b, e)` of channel `c`, or the zero point where the tap is padding.
public enum Int8VolumeColumns {
    /// Fills every row (`reduction × count`, row stride `count`).
    public static func fill(shape s: Int8ConvShape, input: UnsafePointer<Int8>, channels: Int, zeroPoint: Int8,
                            firstColumn: Int, count: Int, into dst: UnsafeMutablePointer<Int8>) {
        fill(shape: s, input: input, zeroPoint: zeroPoint, firstColumn: firstColumn, count: count,
             rows: 0..<(channels * s.kernel[0] * s.kernel[1] * s.kernel[2]), into: dst)
    }

    /// Fills rows `rows` of the matrix into `dst` (row `rows.lowerBound` first, row stride `count`),
    /// so that a convolution can build and pack the matrix a few rows at a time.
    public static func fill(shape s: Int8ConvShape, input: UnsafePointer<Int8>, zeroPoint: Int8,
                            firstColumn: Int, count: Int, rows: Range<Int>, into dst: UnsafeMutablePointer<Int8>) {
        fill(shape: s, input: input, zeroPoint: zeroPoint, firstColumn: firstColumn, count: count, rows: rows,
             columnMasks: nil, into: dst)
    }

    /// Whether ``fillPlanes`` applies (and so whether ``columnMasks(shape:firstColumn:count:into:)`` helps).
    static func isPlanar(_ s: Int8ConvShape) -> Bool {
        s.stride[1] == 1 && s.stride[2] == 1 && s.input[2] == s.output[2]
    }

    /// For each kernel column `e`, a byte per block column: 0xFF where input column `x + offW(e)`
    /// exists, 0 where it is W padding (`kw × count` bytes). Built once per block, it turns the
    /// padding fix-up of every vol2col row into a branch-free masked copy.
    static func columnMasks(shape s: Int8ConvShape, firstColumn: Int, count: Int, into masks: UnsafeMutablePointer<UInt8>) {
        let (iw, ow) = (s.input[2], s.output[2])
        for e in 0..<s.kernel[2] {
            let offW = e * s.dilation[2] - s.padsBegin[2]
            let row = masks + e * count
            var x = firstColumn % ow
            for j in 0..<count {
                let inW = x + offW
                row[j] = inW >= 0 && inW < iw ? 0xFF : 0
                x += 1
                if x == ow { x = 0 }
            }
        }
    }

    /// `columnMasks` (from ``columnMasks(shape:firstColumn:count:into:)`` for this block, or nil);
    /// `avx2` runs the masked copy with 256-bit vectors (the caller has checked the CPU).
    static func fill(shape s: Int8ConvShape, input: UnsafePointer<Int8>, zeroPoint: Int8, firstColumn: Int, count: Int,
                     rows: Range<Int>, columnMasks: UnsafePointer<UInt8>?, avx2: Bool = false,
                     into dst: UnsafeMutablePointer<Int8>) {
        let (id, ih, iw) = (s.input[0], s.input[1], s.input[2])
        let (kd, kh, kw) = (s.kernel[0], s.kernel[1], s.kernel[2])
        let (oh, ow) = (s.output[1], s.output[2])
        let sw = s.stride[2]
        // Output coordinates of the block's first column; segments then walk output rows.
        let z0 = firstColumn / (oh * ow), y0 = (firstColumn % (oh * ow)) / ow, x00 = firstColumn % ow
        let planar = isPlanar(s) ? Planar(s, firstColumn: firstColumn) : nil
        // Tap and channel of the first row, then counters (no divisions per row: with k = 1728 and
        // ~100 columns per block they cost as much as the copy).
        let first = rows.lowerBound
        var e = first % kw, bb = (first / kw) % kh, a = (first / (kw * kh)) % kd, c = first / (kw * kh * kd)
        for row in rows {
            defer {
                e += 1
                if e == kw { e = 0; bb += 1; if bb == kh { bb = 0; a += 1; if a == kd { a = 0; c += 1 } } }
            }
            let plane = input + c * id * ih * iw
            let out = dst + (row - rows.lowerBound) * count
            let offD = a * s.dilation[0] - s.padsBegin[0]
            let offH = bb * s.dilation[1] - s.padsBegin[1]
            let offW = e * s.dilation[2] - s.padsBegin[2]
            if let planar {
                fillPlanes(out: out, slice: plane, zeroPoint: zeroPoint, geometry: planar, count: count,
                           offsets: (offD, offH, offW), mask: columnMasks.map { $0 + e * count }, avx2: avx2)
                continue
            }
            var j = 0
            var z = z0, y = y0, x0 = x00
            while j < count {
                let segment = min(count - j, ow - x0)
                let inD = z * s.stride[0] + offD, inH = y * s.stride[1] + offH
                if inD < 0 || inD >= id || inH < 0 || inH >= ih {
                    (out + j).update(repeating: zeroPoint, count: segment)
                } else if sw == 1 {
                    // Unit stride: one contiguous run of the input line, padding on either side.
                    let first = x0 + offW
                    let lo = min(segment, max(0, -first)), hi = max(lo, min(segment, iw - first))
                    let line = plane + (inD * ih + inH) * iw + first
                    for t in 0..<lo { out[j + t] = zeroPoint }
                    (out + j + lo).update(from: line + lo, count: hi - lo)  // a byte loop was not vectorised
                    for t in hi..<segment { out[j + t] = zeroPoint }
                } else {
                    let line = plane + (inD * ih + inH) * iw
                    for t in 0..<segment {
                        let inW = (x0 + t) * sw + offW
                        out[j + t] = (inW >= 0 && inW < iw) ? line[inW] : zeroPoint
                    }
                }
                j += segment
                x0 = 0
                y += 1
                if y == oh { y = 0; z += 1 }
            }
        }
    }

    /// One vol2col row when H and W have unit stride and the input rows are as wide as the output
    /// rows ("same" convolutions): within a depth slice, output position `f = y·ow + x` reads input
    /// `f + offH·iw + offW`, so the row is one long copy per slice, after which the few columns
    /// that fall into the W padding are overwritten with the zero point. Short output rows (9, 18)
    /// made the per-row loop of `fill` the largest int8 cost.
    /// The sizes ``fillPlanes`` needs, read once per block (not per row from the shape's arrays).
    struct Planar {
        var id, ih, iw, oh, ow, strideD: Int
        /// Depth slice and in-slice position of the block's first column.
        var z0, f0: Int
        init(_ s: Int8ConvShape, firstColumn: Int) {
            (id, ih, iw) = (s.input[0], s.input[1], s.input[2])
            (oh, ow, strideD) = (s.output[1], s.output[2], s.stride[0])
            (z0, f0) = (firstColumn / (oh * ow), firstColumn % (oh * ow))
        }
    }

    static func fillPlanes(out: UnsafeMutablePointer<Int8>, slice input: UnsafePointer<Int8>, zeroPoint: Int8,
                           geometry g: Planar, count: Int, offsets: (Int, Int, Int),
                           mask: UnsafePointer<UInt8>?, avx2: Bool) {
        let (id, ih, iw, oh, ow) = (g.id, g.ih, g.iw, g.oh, g.ow)
        let (offD, offH, offW) = offsets
        let planeSize = oh * ow, sliceSize = ih * iw
        let shift = offH * iw + offW
        // Output rows whose input row exists, and output columns whose input column exists.
        let validRows = max(0, -offH)..<max(max(0, -offH), min(oh, ih - offH))
        let padLeft = min(ow, max(0, -offW)), padRight = max(padLeft, min(ow, iw - offW))
        var j = 0
        var z = g.z0, f0 = g.f0
        while j < count {
            let f1 = min(planeSize, f0 + count - j)
            let dst = out + j - f0  // dst[f] is the column of plane position f
            let inD = z * g.strideD + offD
            if inD < 0 || inD >= id {
                (dst + f0).update(repeating: zeroPoint, count: f1 - f0)
            } else {
                let lo = min(max(validRows.lowerBound * ow, f0), f1), hi = max(lo, min(validRows.upperBound * ow, f1))
                (dst + f0).update(repeating: zeroPoint, count: lo - f0)
                (dst + hi).update(repeating: zeroPoint, count: f1 - hi)
                // Copy where the source stays inside this depth slice; the clipped ends are padding.
                let a = min(hi, max(lo, -shift)), b = max(a, min(hi, sliceSize - shift))
                (dst + lo).update(repeating: zeroPoint, count: a - lo)
                (dst + b).update(repeating: zeroPoint, count: hi - b)
                let src = input + inD * sliceSize + shift
                if let mask, padLeft > 0 || padRight < ow {
                    // Masked copy: W-padding columns take the zero point, without a per-row loop.
                    let m = mask + j - f0, z = UInt8(bitPattern: zeroPoint)
                    if avx2 {
                        rppgAVX2MaskedCopy(src + a, m + a, zeroPoint, dst + a, b - a)
                    } else {
                        var i = a
                        while i < b {
                            dst[i] = Int8(bitPattern: (UInt8(bitPattern: src[i]) & m[i]) | (z & ~m[i]))
                            i &+= 1
                        }
                    }
                } else {
                    (dst + a).update(from: src + a, count: b - a)
                    if padLeft > 0 || padRight < ow {
                        // Per output row: the first `padLeft` and the last `ow − padRight` columns,
                        // clipped to [lo, hi).
                        var rowStart = lo / ow * ow
                        while rowStart < hi {
                            var i = max(rowStart, lo)
                            let leftEnd = min(rowStart &+ padLeft, hi)
                            while i < leftEnd { dst[i] = zeroPoint; i &+= 1 }
                            i = max(rowStart &+ padRight, lo)
                            let rightEnd = min(rowStart &+ ow, hi)
                            while i < rightEnd { dst[i] = zeroPoint; i &+= 1 }
                            rowStart &+= ow
                        }
                    }
                }
            }
            j += f1 - f0
            z += 1
            f0 = 0
        }
    }
}
