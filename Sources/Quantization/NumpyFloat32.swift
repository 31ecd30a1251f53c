/// numpy's float32 reductions, bit for bit, where ORT's results depend on them.
enum NumpyFloat32 {
    /// `np.sum` of a contiguous float32 array: numpy's pairwise summation (`pairwise_sum_FLOAT`:
    /// sequential below 8 values, 8 interleaved accumulators up to 128, halves beyond).
    static func pairwiseSum(_ a: ArraySlice<Float>) -> Float {
        let n = a.count, base = a.startIndex
        if n < 8 {
            var res: Float = 0
            for v in a { res += v }
            return res
        }
        if n <= 128 {
            var r = (0..<8).map { a[base + $0] }
            var i = 8
            while i < n - n % 8 {
                for j in 0..<8 { r[j] += a[base + i + j] }
                i += 8
            }
            var res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
            while i < n {
                res += a[base + i]
                i += 1
            }
            return res
        }
        var n2 = n / 2
        n2 -= n2 % 8
        return pairwiseSum(a[base..<(base + n2)]) + pairwiseSum(a[(base + n2)...])
    }

    /// `np.nanmean` of float32 values: NaN replaced by 0 for the float32 sum, divided by the
    /// count of the others in float64 and stored as float32. All NaN gives NaN.
    static func nanMean(_ values: [Float]) -> Float {
        let count = values.filter { !$0.isNaN }.count
        guard count > 0 else { return .nan }
        let sum = pairwiseSum(values.map { $0.isNaN ? 0 : $0 }[...])
        return Float(Double(sum) / Double(count))
    }
}
