import Atomics
import Dispatch
import Foundation

/// A persistent set of worker threads that run parallel regions for ``Parallelism``.
///
/// A region is `body(worker)` for worker = 0..<n: the calling thread runs worker 0 and n − 1 pool threads run the
/// others. Between regions a pool thread spins on the region counter for a while (``spinIterations`` loads), so a
/// decode step's back-to-back regions (one per matrix product) start without a system call, and then parks on a
/// semaphore, so an idle process uses no CPU. One wake per region: the caller bumps the counter, signals only
/// the threads that parked, runs its share, and waits (spinning, then yielding) until every worker is done.
///
/// Parking protocol, free of lost wake-ups: a worker first announces `parked[i] = true`, then re-reads the
/// counter; the caller first bumps the counter, then takes `parked[i]` with an exchange and signals only if it
/// took a `true`. Whoever loses the exchange race knows the other side saw it (a worker that finds the flag
/// already taken consumes the signal that is on its way).
///
/// One region at a time: a region started while another runs (a kernel called from inside a region, or from
/// another thread) is refused (``run(workers:_:)`` returns false) and the caller falls back to Dispatch.
public final class WorkerPool: @unchecked Sendable {
    /// One pool thread per core beyond the caller's.
    public static let shared = WorkerPool(threads: Swift.max(0, ProcessInfo.processInfo.activeProcessorCount - 1))

    /// Pool threads (the caller is one more worker).
    public let threadCount: Int
    /// Counter loads a pool thread spins through before it parks (≈ 50–100 µs).
    public let spinIterations: Int

    /// The region counter: (regions started) << 8 | (workers of the latest region), so that a pool thread learns
    /// whether it takes part from the same load that tells it a region started.
    private let generation = ManagedAtomic<Int>(0)
    private let pending = ManagedAtomic<Int>(0)
    private let busy = ManagedAtomic<Bool>(false)
    private let parked: [ManagedAtomic<Bool>]
    private let wakeups: [DispatchSemaphore]
    /// The region's body, written before the counter is bumped (release) and read after it is seen (acquire), only
    /// by the threads taking part (the caller waits for them before it clears or replaces it).
    nonisolated(unsafe) private var job: ((Int) -> Void)?

    public init(threads: Int, spinIterations: Int = 100_000) {
        threadCount = threads
        self.spinIterations = spinIterations
        parked = (0..<threads).map { _ in ManagedAtomic(false) }
        wakeups = (0..<threads).map { _ in DispatchSemaphore(value: 0) }
        for t in 0..<threads {
            let thread = Thread { [unowned self] in self.workerLoop(index: t + 1) }
            thread.name = "svdllm-worker-\(t + 1)"
            thread.start()
        }
    }

    /// Runs `body(w)` for w in 0..<workers (at most threadCount + 1), the caller taking w = 0, and returns when all
    /// are done; false (nothing run) when another region is in progress.
    public func run(workers: Int, _ body: (Int) -> Void) -> Bool {
        precondition(workers >= 1 && workers <= threadCount + 1 && workers < 256,
                     "WorkerPool: \(workers) workers, pool has \(threadCount + 1)")
        guard busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else { return false }
        withoutActuallyEscaping(body) { body in
            job = body
            pending.store(workers - 1, ordering: .relaxed)
            let next = ((generation.load(ordering: .relaxed) >> 8) + 1) << 8 | workers
            generation.store(next, ordering: .sequentiallyConsistent)
            for t in 0..<threadCount where parked[t].exchange(false, ordering: .sequentiallyConsistent) {
                wakeups[t].signal()
            }
            body(0)
            var spins = 0
            while pending.load(ordering: .acquiring) != 0 {
                spins += 1
                if spins > spinIterations { sched_yield() }
            }
            job = nil
        }
        busy.store(false, ordering: .releasing)
        return true
    }

    private func workerLoop(index: Int) {
        let slot = index - 1
        var seen = 0
        while true {
            var spins = 0
            while generation.load(ordering: .acquiring) == seen {
                spins += 1
                if spins < spinIterations { continue }
                parked[slot].store(true, ordering: .sequentiallyConsistent)
                if generation.load(ordering: .sequentiallyConsistent) != seen {
                    // A region started meanwhile: take the flag back, or consume the signal the caller sent.
                    if !parked[slot].exchange(false, ordering: .sequentiallyConsistent) { wakeups[slot].wait() }
                    break
                }
                wakeups[slot].wait()
                spins = 0
            }
            seen = generation.load(ordering: .acquiring)
            if index < seen & 0xFF {
                runJob(index)
                pending.wrappingDecrement(ordering: .releasing)
            }
        }
    }

    /// Calls the region's body; every reference to it is released when this returns, before the caller is told the
    /// worker is done (the caller's `withoutActuallyEscaping` checks that none is left).
    @inline(never) private func runJob(_ index: Int) {
        job?(index)
    }
}
