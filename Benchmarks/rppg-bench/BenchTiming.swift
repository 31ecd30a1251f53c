import Foundation

/// Timing helpers shared by benchmark families.
enum BenchTiming {
    /// Best seconds per call of `body` over `rounds` rounds, each repeating it until ≥ `minimum` s.
    static func best(rounds: Int = 3, minimum: Double = 0.2, _ body: () -> Void) -> Double {
        body()  // warm-up
        var best = Double.infinity
        for _ in 0..<rounds {
            var calls = 0
            let start = DispatchTime.now().uptimeNanoseconds
            var elapsed = 0.0
            repeat {
                body()
                calls += 1
                elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
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
