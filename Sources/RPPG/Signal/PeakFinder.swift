import Foundation

/// Local maxima as `scipy.signal.find_peaks(x)` with no conditions: a sample (or the middle of
/// a flat plateau, rounded down) higher than both neighbours; the first and last samples never count.
public enum PeakFinder {
    /// Indices of the peaks of `x`, ascending.
    public static func peaks(_ x: [Double]) -> [Int] {
        var result: [Int] = []
        let last = x.count - 1
        var i = 1
        while i < last {
            if x[i - 1] < x[i] {
                var ahead = i + 1
                while ahead < last && x[ahead] == x[i] { ahead += 1 }
                if x[ahead] < x[i] {
                    result.append((i + ahead - 1) / 2)
                    i = ahead
                }
            }
            i += 1
        }
        return result
    }
}
