import Dispatch
import Foundation

/// How many threads a kernel may use, passed explicitly to every call (in the spirit of faer's `Par`).
///
/// `.serial` runs on the calling thread. `.threads(n)` splits work over n workers with
/// `DispatchQueue.concurrentPerform`; the caller blocks until all are done.
public struct Parallelism: Sendable, Equatable, CustomStringConvertible {
    /// The number of workers, ≥ 1.
    public let threads: Int

    public init(threads: Int) {
        self.threads = Swift.max(1, threads)
    }

    public static let serial = Parallelism(threads: 1)

    /// n workers.
    public static func threads(_ n: Int) -> Parallelism { Parallelism(threads: n) }

    /// One worker per active core.
    public static var available: Parallelism { Parallelism(threads: ProcessInfo.processInfo.activeProcessorCount) }

    public var isSerial: Bool { threads == 1 }
    public var description: String { isSerial ? "serial" : "\(threads) threads" }

    /// Runs `body(task)` for every task in `0..<count`, spread over at most `threads` workers.
    /// Tasks are handed out in contiguous chunks (task i goes to worker i·workers/count).
    @inlinable public func forEach(_ count: Int, _ body: (Int) -> Void) {
        guard count > 0 else { return }
        let workers = Swift.min(threads, count)
        if workers == 1 {
            for t in 0..<count { body(t) }
            return
        }
        withoutActuallyEscaping(body) { body in
            // concurrentPerform returns only when every worker is done, so `body` never outlives this call;
            // callers capture unsafe pointers to disjoint outputs, which is why `body` is not @Sendable.
            nonisolated(unsafe) let body = body
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                let lo = w * count / workers, hi = (w + 1) * count / workers
                for t in lo..<hi { body(t) }
            }
        }
    }

    /// Splits `0..<n` into at most `threads` contiguous ranges (each a multiple of `granule` except the last)
    /// and runs `body` on each range in parallel.
    @inlinable public func forEachRange(_ n: Int, granule: Int = 1, _ body: (Range<Int>) -> Void) {
        guard n > 0 else { return }
        let g = Swift.max(1, granule)
        let units = (n + g - 1) / g
        let workers = Swift.min(threads, units)
        forEach(workers) { w in
            let lo = Swift.min(n, (w * units / workers) * g)
            let hi = Swift.min(n, ((w + 1) * units / workers) * g)
            if lo < hi { body(lo..<hi) }
        }
    }

    /// Runs `body(task, worker)` for every task in `0..<count`; each of at most `threads` workers (numbered
    /// 0..<workers, e.g. to pick its own scratch buffers) takes the next unclaimed task as it finishes one.
    ///
    /// For tasks of unequal cost listed heaviest first this balances where ``forEach(_:_:)``'s fixed chunks do not,
    /// and on a shared machine a worker the OS holds back costs the task it holds, not a fixed share.
    public func forEachDynamic(_ count: Int, _ body: (_ task: Int, _ worker: Int) -> Void) {
        let workers = Swift.min(threads, count)
        guard workers > 1 else {
            for t in 0..<Swift.max(0, count) { body(t, 0) }
            return
        }
        let claims = TaskClaims()
        forEach(workers) { w in
            while let t = claims.next(below: count) { body(t, w) }
        }
    }
}

/// Hands out 0, 1, 2, … to concurrent callers.
final class TaskClaims: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0

    func next(below count: Int) -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard value < count else { return nil }
        value += 1
        return value - 1
    }
}
