import Dispatch
import Foundation

/// Data parallelism over a range, with an explicit thread count (`--threads` everywhere).
public enum Parallel {
    /// Cores available to this process.
    public static var availableCores: Int {
        max(1, ProcessInfo.processInfo.activeProcessorCount)
    }

    /// Calls `body(i)` for every `i` in `0..<count`, split into contiguous chunks over
    /// `threads` workers. With one thread it runs inline, in order.
    public static func forEach(_ count: Int, threads: Int, _ body: (Int) -> Void) {
        let workers = max(1, min(threads, count))
        if workers <= 1 {
            for i in 0..<count { body(i) }
            return
        }
        withoutActuallyEscaping(body) { body in
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                let start = count * w / workers
                let end = count * (w + 1) / workers
                for i in start..<end { body(i) }
            }
        }
    }
}
