import Foundation

/// Timing helpers shared by benchmark families.
enum BenchTiming {
    /// `--cpu-time`: time with the process CPU clock instead of the wall clock. On a shared
    /// machine this is the idle-core latency of a 1-thread run (other processes' slices do not
    /// count); with N threads it sums their CPU time.
    nonisolated(unsafe) static var usesCPUTime = false

    static func nanoseconds() -> UInt64 {
        guard usesCPUTime else { return DispatchTime.now().uptimeNanoseconds }
        var t = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
        return UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_nsec)
    }

    /// Best seconds per call of `body` over `rounds` rounds, each repeating it until ≥ `minimum` s.
    static func best(rounds: Int = 3, minimum: Double = 0.2, _ body: () -> Void) -> Double {
        body()  // warm-up
        var best = Double.infinity
        for _ in 0..<rounds {
            var calls = 0
            let start = nanoseconds()
            var elapsed = 0.0
            repeat {
                body()
                calls += 1
                elapsed = Double(nanoseconds() - start) * 1e-9
            } while elapsed < minimum
            best = min(best, elapsed / Double(calls))
        }
        return best
    }

    /// Value following `name` in `args`, or nil when `name` is absent.
    static func stringOption(_ name: String, in args: [String]) throws -> String? {
        guard let i = args.firstIndex(of: name) else { return nil }
        guard i + 1 < args.count else { throw BenchError("\(name) needs a value") }
        return args[i + 1]
    }

    /// Value of `--name N` in `args`, or `fallback`.
    static func intOption(_ name: String, in args: [String], default fallback: Int) throws -> Int {
        guard let i = args.firstIndex(of: name) else { return fallback }
        guard i + 1 < args.count, let v = Int(args[i + 1]), v > 0 else {
            throw BenchError("\(name) needs a positive integer")
        }
        return v
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
