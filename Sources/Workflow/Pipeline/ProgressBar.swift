import Foundation

/// A progress bar on standard error for long loops (`[#####.....] 12/40 subjects  3.1 s`).
/// On a terminal it redraws one line; otherwise (CI logs, pipes) it prints at most ten lines,
/// so logs stay readable.
public final class ProgressBar {
    private let total: Int
    private let label: String
    private let start = Date()
    private let interactive: Bool
    private var lastPrintedDecile = -1
    private let enabled: Bool

    /// - Parameters:
    ///   - total: number of steps.
    ///   - label: what is counted ("clips", "subjects").
    ///   - enabled: false silences it (`--quiet`, JSON output on stdout).
    public init(total: Int, label: String, enabled: Bool = true) {
        self.total = max(total, 1)
        self.label = label
        self.enabled = enabled
        self.interactive = isatty(STDERR_FILENO) != 0
    }

    /// Reports that `done` of `total` steps are finished.
    public func update(_ done: Int) {
        guard enabled else { return }
        let fraction = Double(min(done, total)) / Double(total)
        let elapsed = Date().timeIntervalSince(start)
        let width = 30
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let line = String(format: "  [%@] %d/%d %@  %.1f s", bar, min(done, total), total, label, elapsed)
        if interactive {
            FileHandle.standardError.write(Data(("\r" + line + (done >= total ? "\n" : "")).utf8))
        } else {
            let decile = Int(fraction * 10)
            if decile != lastPrintedDecile {
                lastPrintedDecile = decile
                FileHandle.standardError.write(Data((line + "\n").utf8))
            }
        }
    }
}
