/// Pooling fast path for the common case: no padding and every window inside the input (the
/// zoo's 1×2×2 and 2×2×2 pools). Same arithmetic as the general walk in ``Int8Pooling``, without
/// its per-tap closure calls and bounds and per-output multiplier computations.
extension Int8Pooling {
    /// Whether every window of `s` lies inside the input without padding.
    static func windowsInside(_ s: Int8PoolShape) -> Bool {
        (0..<3).allSatisfy { a in
            s.padsBegin[a] == 0 && (s.output[a] - 1) * s.stride[a] + s.kernel[a] <= s.input[a]
        }
    }

    /// Calls `body(flat output index, window origin, row stride, plane stride)` for every output.
    @inline(__always)
    static func interior(_ s: Int8PoolShape, input: UnsafePointer<Int8>,
                         _ body: (Int, UnsafePointer<Int8>, Int, Int) -> Void) {
        let (id, ih, iw) = (s.input[0], s.input[1], s.input[2])
        var o = 0
        for c in 0..<s.channels {
            let volume = input + c * id * ih * iw
            for z in 0..<s.output[0] {
                for y in 0..<s.output[1] {
                    let line = volume + (z * s.stride[0] * ih + y * s.stride[1]) * iw
                    for x in 0..<s.output[2] {
                        body(o, line + x * s.stride[2], iw, ih * iw)
                        o += 1
                    }
                }
            }
        }
    }

    /// Σ of a `kd × kh × kw` window.
    @inline(__always)
    static func windowSum(_ w: UnsafePointer<Int8>, _ s: Int8PoolShape, row: Int, plane: Int) -> Int32 {
        var sum: Int32 = 0
        for a in 0..<s.kernel[0] {
            for b in 0..<s.kernel[1] {
                let r = w + a * plane + b * row
                for e in 0..<s.kernel[2] { sum &+= Int32(r[e]) }
            }
        }
        return sum
    }

    /// Maximum of a `kd × kh × kw` window.
    @inline(__always)
    static func windowMax(_ w: UnsafePointer<Int8>, _ s: Int8PoolShape, row: Int, plane: Int) -> Int8 {
        var best = Int8.min
        for a in 0..<s.kernel[0] {
            for b in 0..<s.kernel[1] {
                let r = w + a * plane + b * row
                for e in 0..<s.kernel[2] where r[e] > best { best = r[e] }
            }
        }
        return best
    }
}
