import Foundation

/// Wall-clock timing on the monotonic clock.
enum Stopwatch {
    /// Seconds taken by `body`.
    static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
    }

    /// The best (smallest) time of `repeats` runs of `body`, after `setup` before each run (not timed).
    static func best(repeats: Int, setup: () -> Void = {}, _ body: () throws -> Void) rethrows -> Double {
        var best = Double.infinity
        for _ in 0..<max(1, repeats) {
            setup()
            best = min(best, try seconds(body))
        }
        return best
    }
}
