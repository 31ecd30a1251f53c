/// Data movement on the device: Transpose and Slice as one strided gather. The record holds the
/// output shape and the input stride of each axis, padded to ``rank`` axes with leading 1s, so
/// six fixed loops walk it with no index arithmetic per element beyond additions.
public enum Int8Gather {
    /// Axes a gather record holds.
    public static let rank = 6

    /// `y[i0…i5] = x[offset + Σ ik·strides[k]]` in row-major order of `shape`.
    public static func run(input x: UnsafePointer<Int8>, offset: Int, shape: UnsafePointer<Int32>, strides: UnsafePointer<Int32>,
                           output y: UnsafeMutablePointer<Int8>) {
        let n0 = Int(shape[0]), n1 = Int(shape[1]), n2 = Int(shape[2]), n3 = Int(shape[3]), n4 = Int(shape[4]), n5 = Int(shape[5])
        let t0 = Int(strides[0]), t1 = Int(strides[1]), t2 = Int(strides[2]), t3 = Int(strides[3]), t4 = Int(strides[4])
        let t5 = Int(strides[5])
        var o = 0
        for a in 0..<n0 { for b in 0..<n1 { for c in 0..<n2 { for d in 0..<n3 { for e in 0..<n4 {
            var src = offset &+ a &* t0 &+ b &* t1 &+ c &* t2 &+ d &* t3 &+ e &* t4
            for _ in 0..<n5 {
                y[o] = x[src]
                o &+= 1
                src &+= t5
            }
        } } } } }
    }

    /// The lowest and highest input index the gather reads, nil when the shape is empty or an
    /// index overflows (a corrupt record must fail the arena check, not trap).
    static func inputSpan(offset: Int, shape: UnsafePointer<Int32>, strides: UnsafePointer<Int32>) -> (low: Int, high: Int)? {
        var low = offset, high = offset
        for k in 0..<rank {
            let n = Int(shape[k]), t = Int(strides[k])
            guard n > 0 else { return nil }
            let (reach, overflow) = (n - 1).multipliedReportingOverflow(by: t)
            guard !overflow else { return nil }
            let (moved, over) = reach < 0 ? low.addingReportingOverflow(reach) : high.addingReportingOverflow(reach)
            guard !over else { return nil }
            if reach < 0 { low = moved } else { high = moved }
        }
        return (low, high)
    }
}
