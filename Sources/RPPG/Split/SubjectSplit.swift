/// The subject-wise train/validation split shared by `rppg train` and `rppg verify`: the last
/// 20 % of subjects by number (at least one) are held out, so no clip of a held-out subject is
/// ever seen in training.
public enum SubjectSplit {
    /// Held-out subjects among `subjects` (any order; duplicates ignored).
    public static func heldOut(_ subjects: [Int], fraction: Double = 0.2) -> [Int] {
        let sorted = Array(Set(subjects)).sorted()
        guard sorted.count > 1 else { return sorted }
        let count = min(sorted.count - 1, max(1, Int((Double(sorted.count) * fraction).rounded())))
        return Array(sorted.suffix(count))
    }

    /// Training subjects: all but the held-out ones.
    public static func training(_ subjects: [Int], fraction: Double = 0.2) -> [Int] {
        let held = Set(heldOut(subjects, fraction: fraction))
        return Array(Set(subjects)).sorted().filter { !held.contains($0) }
    }
}
