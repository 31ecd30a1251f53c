import Dispatch

/// Splits calibration clips over worker threads, each with its own executors and its own
/// statistics. Clips are independent, so this parallelises every op of the float pass, the
/// observers and the copies, not only the convolutions; workers share nothing while they run.
enum ClipWorkers {
    /// How many workers `threads` gives for `clips` clips, and the executor threads of each (the
    /// product stays at `threads`, so that one clip on many cores still uses them all).
    static func split(clips: Int, threads: Int) -> (workers: Int, threadsEach: Int) {
        let workers = max(1, min(threads, clips))
        return (workers, max(1, threads / workers))
    }

    /// Runs `body(worker, clips)` for contiguous, ordered clip ranges on `workers` threads and
    /// returns the results in worker (= clip) order. When workers fail, the error of the first
    /// failing worker is thrown: a worker stops at its first bad clip, so that is the error of the
    /// first bad clip overall, as a sequential loop would report.
    static func run<T>(clips: Int, workers: Int, _ body: (Int, Range<Int>) throws -> T) throws -> [T] {
        let w = max(1, min(workers, clips))
        let range = { (k: Int) in (clips * k / w)..<(clips * (k + 1) / w) }
        if w == 1 { return [try body(0, range(0))] }
        var results = [Result<T, Error>?](repeating: nil, count: w)
        results.withUnsafeMutableBufferPointer { slots in
            withoutActuallyEscaping(body) { body in
                DispatchQueue.concurrentPerform(iterations: w) { k in
                    slots[k] = Result { try body(k, range(k)) }
                }
            }
        }
        return try results.map { try $0!.get() }
    }
}
