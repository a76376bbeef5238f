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

    /// CPU seconds used so far by the whole process (all threads): unlike wall time, barely affected by other
    /// processes competing for the cores.
    static func processCPUSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }
}
