/// Packs buffers with known lifetimes into one arena: largest first, each at the lowest aligned
/// offset that no buffer alive at the same time occupies (TFLite Micro's greedy-by-size). Close to
/// optimal for the chains of rPPG models; used by `deploy-check`'s estimate and the device plan.
public enum ArenaPacking {
    /// A buffer alive from step `first` to step `last` (inclusive: an op's input and output overlap).
    public struct Interval: Equatable {
        public var first: Int, last: Int, bytes: Int
        public init(first: Int, last: Int, bytes: Int) { (self.first, self.last, self.bytes) = (first, last, bytes) }
    }

    /// Byte offsets, one per interval, each a multiple of `alignment`. Ties in size keep input order.
    public static func firstFit(_ intervals: [Interval], alignment: Int = 16) -> [Int] {
        let order = intervals.indices.sorted { intervals[$0].bytes != intervals[$1].bytes ? intervals[$0].bytes > intervals[$1].bytes : $0 < $1 }
        var offsets = [Int](repeating: 0, count: intervals.count)
        var placed: [Int] = []
        for i in order {
            let b = intervals[i]
            let overlapping = placed.filter { intervals[$0].first <= b.last && b.first <= intervals[$0].last }
                .sorted { offsets[$0] < offsets[$1] }
            var offset = 0
            for other in overlapping {
                if offset + b.bytes <= offsets[other] { break }
                offset = max(offset, aligned(offsets[other] + intervals[other].bytes, alignment))
            }
            offsets[i] = offset
            placed.append(i)
        }
        return offsets
    }

    /// Bytes the packed arena spans.
    public static func span(_ intervals: [Interval], offsets: [Int]) -> Int {
        zip(intervals, offsets).map { $0.bytes + $1 }.max() ?? 0
    }

    public static func aligned(_ n: Int, _ alignment: Int) -> Int { (n + alignment - 1) / alignment * alignment }
}
