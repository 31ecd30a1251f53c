import Foundation

/// JPEG-style intra compression of a frame: RGB → YCbCr (BT.601 full range, as JFIF), 8×8 DCT-II
/// per block and channel, quantisation with the standard luminance and chrominance tables
/// (ITU-T T.81 Annex K) scaled to `quality` as libjpeg does, inverse DCT, back to 8-bit RGB.
/// No chroma subsampling and no entropy coding: blocking is what matters to rPPG, since the
/// pulse (about one 8-bit level) is smaller than a quantisation step of most coefficients.
public struct CompressionBlocking: Sendable {
    static let luminance: [Int] = [
        16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
        14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
        49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
    ]
    static let chrominance: [Int] = [
        17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99,
        47, 66, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
        99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
    ]

    /// Quantisation steps per channel (Y, Cb, Cr), row-major 8×8.
    let steps: [[Float]]
    /// `basis[u * 8 + x]` = c(u)/2 · cos((2x + 1)uπ/16): the orthonormal 8-point DCT-II.
    let basis: [Float]

    /// `quality` 1…100 as libjpeg's `-quality` (50 = the tables as printed).
    public init(quality: Int = 60) {
        let q = max(1, min(100, quality))
        let scale = q < 50 ? 5000 / q : 200 - 2 * q
        steps = [Self.luminance, Self.chrominance, Self.chrominance].map { table in
            table.map { Float(max(1, min(255, ($0 * scale + 50) / 100))) }
        }
        var b = [Float](repeating: 0, count: 64)
        for u in 0..<8 {
            let c = u == 0 ? (0.125).squareRoot() : 0.5
            for x in 0..<8 { b[u * 8 + x] = Float(c * cos(Double(2 * x + 1) * Double(u) * .pi / 16)) }
        }
        basis = b
    }

    /// Compresses `frame` in place. Edge blocks are padded by repeating the last row/column, as
    /// encoders do; only the pixels inside the frame are written back.
    public func apply(to frame: inout VideoFrame) {
        let w = frame.width, h = frame.height
        var planes = [[Float]](repeating: [Float](repeating: 0, count: w * h), count: 3)
        for i in 0..<(w * h) {
            let r = Float(frame.rgb[3 * i]), g = Float(frame.rgb[3 * i + 1]), b = Float(frame.rgb[3 * i + 2])
            planes[0][i] = 0.299 * r + 0.587 * g + 0.114 * b - 128
            planes[1][i] = -0.168736 * r - 0.331264 * g + 0.5 * b
            planes[2][i] = 0.5 * r - 0.418688 * g - 0.081312 * b
        }
        var block = [Float](repeating: 0, count: 64), tmp = [Float](repeating: 0, count: 64)
        for c in 0..<3 {
            for by in stride(from: 0, to: h, by: 8) {
                for bx in stride(from: 0, to: w, by: 8) {
                    for y in 0..<8 {
                        for x in 0..<8 { block[y * 8 + x] = planes[c][min(by + y, h - 1) * w + min(bx + x, w - 1)] }
                    }
                    transform(&block, &tmp, inverse: false)
                    for k in 0..<64 { block[k] = (block[k] / steps[c][k]).rounded() * steps[c][k] }
                    transform(&block, &tmp, inverse: true)
                    for y in 0..<min(8, h - by) {
                        for x in 0..<min(8, w - bx) { planes[c][(by + y) * w + bx + x] = block[y * 8 + x] }
                    }
                }
            }
        }
        func byte(_ v: Float) -> UInt8 { UInt8(max(0, min(255, v.rounded()))) }
        for i in 0..<(w * h) {
            let y = planes[0][i] + 128, cb = planes[1][i], cr = planes[2][i]
            frame.rgb[3 * i] = byte(y + 1.402 * cr)
            frame.rgb[3 * i + 1] = byte(y - 0.344136 * cb - 0.714136 * cr)
            frame.rgb[3 * i + 2] = byte(y + 1.772 * cb)
        }
    }

    /// Separable 2-D DCT-II (or its inverse, the transpose) of an 8×8 block.
    func transform(_ block: inout [Float], _ tmp: inout [Float], inverse: Bool) {
        // Rows, then columns: out[u][v] = Σ basis[u][y] basis[v][x] in[y][x].
        for y in 0..<8 {
            for u in 0..<8 {
                var s: Float = 0
                for x in 0..<8 { s += (inverse ? basis[x * 8 + u] : basis[u * 8 + x]) * block[y * 8 + x] }
                tmp[y * 8 + u] = s
            }
        }
        for x in 0..<8 {
            for u in 0..<8 {
                var s: Float = 0
                for y in 0..<8 { s += (inverse ? basis[y * 8 + u] : basis[u * 8 + y]) * tmp[y * 8 + x] }
                block[u * 8 + x] = s
            }
        }
    }
}
