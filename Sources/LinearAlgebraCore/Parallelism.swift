import Atomics
import Dispatch
import Foundation

/// How many threads a kernel may use, passed explicitly to every call (in the spirit of faer's `Par`).
///
/// `.serial` runs on the calling thread. `.threads(n)` splits work over n workers: the calling thread and the
/// persistent threads of ``WorkerPool/shared`` (or `DispatchQueue.concurrentPerform` when the pool is busy with
/// another region, or has too few threads); the caller blocks until all are done.
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
        Parallelism.region(workers) { w in
            let lo = w * count / workers, hi = (w + 1) * count / workers
            for t in lo..<hi { body(t) }
        }
    }

    /// Runs `body(w)` for w in 0..<workers at once and returns when all are done: on the worker pool, or on
    /// Dispatch when the pool is busy (a region inside a region) or too small.
    @usableFromInline static func region(_ workers: Int, _ body: (Int) -> Void) {
        let pool = WorkerPool.shared
        if workers <= pool.threadCount + 1, pool.run(workers: workers, body) { return }
        withoutActuallyEscaping(body) { body in
            // concurrentPerform returns only when every worker is done, so `body` never outlives this call;
            // callers capture unsafe pointers to disjoint outputs, which is why `body` is not @Sendable.
            nonisolated(unsafe) let body = body
            DispatchQueue.concurrentPerform(iterations: workers) { body($0) }
        }
    }

    /// Runs `body(task, worker)` for every task in `0..<count` on at most `threads` workers that claim the tasks one
    /// at a time from a shared counter (dynamic scheduling). `worker` (0..<min(threads, count)) is the same for all
    /// the tasks one worker runs, and no two workers run at once with the same value, so it can index per-worker
    /// scratch memory.
    ///
    /// Prefer it to ``forEach(_:_:)`` for few, long tasks: `concurrentPerform` hands each of its iterations to the
    /// first thread to ask, and on Linux the calling thread often asks again before a woken worker has started
    /// (measured: with two iterations of 0.1 ms, both ran on the caller in 199 of 200 calls on a busy machine),
    /// so a static split into one chunk per worker runs serially. Here a late worker still takes what is left.
    public func forEachTask(_ count: Int, _ body: (_ task: Int, _ worker: Int) -> Void) {
        guard count > 0 else { return }
        let workers = Swift.min(threads, count)
        if workers == 1 {
            for t in 0..<count { body(t, 0) }
            return
        }
        let pool = WorkerPool.shared
        if workers <= pool.threadCount + 1, count <= WorkerPool.maxTasks, pool.runTasks(count, workers: workers, body) {
            return
        }
        let counter = TaskCounter(count: count)
        Parallelism.region(workers) { worker in
            while let t = counter.claim() { body(t, worker) }
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
}

/// Tasks 0..<count handed out once each to whichever threads ask (``Parallelism/forEachTask(_:_:)``'s fallback, a
/// decode step's row chunks): one atomic increment per claim, no lock, so a thread descheduled mid-claim never
/// holds up the others.
public final class TaskCounter: @unchecked Sendable {
    private let next = ManagedAtomic<Int>(0)
    private let count: Int

    public init(count: Int) { self.count = count }

    /// The next task, or nil when all are claimed.
    public func claim() -> Int? {
        let t = next.loadThenWrappingIncrement(ordering: .relaxed)
        return t < count ? t : nil
    }
}
