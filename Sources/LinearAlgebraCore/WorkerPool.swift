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
/// Task regions (``runTasks(_:workers:_:)``): `count` tasks claimed one at a time from a counter by whichever
/// workers arrive; the caller waits only for tasks that were claimed, never for a worker that has not started (one
/// still waking from its park, or descheduled on a busy machine — there the caller would otherwise spin away its
/// time slices waiting). A late worker must not run a task of a region that is over: the claim counter carries the
/// region's number beside the next task (`region << 24 | next`), and a worker claims with a compare-and-exchange
/// against the region it saw start, so a claim succeeds only while that region has unclaimed tasks — and then the
/// caller is still waiting for it, so the region's body is still the one to call.
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

    /// The region counter: (regions started) << 24 | (tasks of a task region, 0 for a worker region) << 8 |
    /// (workers of the latest region), so that a pool thread learns whether it takes part, and how, from the same
    /// load that tells it a region started.
    private let generation = ManagedAtomic<Int>(0)
    /// Worker regions: pool threads of the region not yet done.
    private let pending = ManagedAtomic<Int>(0)
    /// Task regions: region << 24 | the next unclaimed task.
    private let claims = ManagedAtomic<Int>(0)
    /// Task regions: tasks finished.
    private let finished = ManagedAtomic<Int>(0)
    /// Tasks of one region (the counter's low 24 bits; the generation word holds 16).
    public static let maxTasks = 0xFFFF
    private let busy = ManagedAtomic<Bool>(false)
    private let parked: [ManagedAtomic<Bool>]
    private let wakeups: [DispatchSemaphore]
    /// The region's body, written before the counter is bumped (release) and read after it is seen (acquire), only
    /// by the threads taking part (the caller waits for them before it clears or replaces it).
    nonisolated(unsafe) private var job: ((Int) -> Void)?
    /// A task region's body (task, worker), read by a pool thread only after it claimed a task of the region.
    nonisolated(unsafe) private var taskJob: ((Int, Int) -> Void)?

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
            let next = ((generation.load(ordering: .relaxed) >> 24) + 1) << 24 | workers
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

    /// Runs `body(task, worker)` for every task in 0..<count (at most ``maxTasks``) on at most `workers` workers
    /// (the caller is worker 0) that claim the tasks one at a time, and returns when every task is done; false
    /// (nothing run) when another region is in progress. Pool threads that arrive after the last claim take no part.
    public func runTasks(_ count: Int, workers: Int, _ body: (_ task: Int, _ worker: Int) -> Void) -> Bool {
        precondition(workers >= 1 && workers <= threadCount + 1 && workers < 256,
                     "WorkerPool: \(workers) workers, pool has \(threadCount + 1)")
        precondition(count >= 1 && count <= Self.maxTasks, "WorkerPool: \(count) tasks")
        guard busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else { return false }
        withoutActuallyEscaping(body) { body in
            taskJob = body
            let region = (generation.load(ordering: .relaxed) >> 24) + 1
            finished.store(0, ordering: .relaxed)
            claims.store(region << 24, ordering: .relaxed)
            generation.store(region << 24 | count << 8 | workers, ordering: .sequentiallyConsistent)
            for t in 0..<Swift.min(threadCount, workers - 1)
            where parked[t].exchange(false, ordering: .sequentiallyConsistent) {
                wakeups[t].signal()
            }
            while true {
                let task = claims.loadThenWrappingIncrement(ordering: .relaxed) & 0xFF_FFFF
                guard task < count else { break }
                body(task, 0)
                finished.wrappingIncrement(ordering: .releasing)
            }
            var spins = 0
            while finished.load(ordering: .acquiring) != count {
                spins += 1
                if spins > spinIterations { sched_yield() }
            }
            taskJob = nil
        }
        busy.store(false, ordering: .releasing)
        return true
    }

    /// A pool thread's part in task region `region` of `count` tasks: claims (compare-and-exchange against the
    /// region) until the region has no task left or is over.
    private func claimTasks(region: Int, count: Int, index: Int) {
        var word = claims.load(ordering: .relaxed)
        while word >> 24 == region && word & 0xFF_FFFF < count {
            let (exchanged, original) = claims.compareExchange(expected: word, desired: word + 1, ordering: .acquiring)
            guard exchanged else { word = original; continue }
            runTask(word & 0xFF_FFFF, index)
            finished.wrappingIncrement(ordering: .releasing)
            word = claims.load(ordering: .relaxed)
        }
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
            guard index < seen & 0xFF else { continue }
            let tasks = (seen >> 8) & 0xFFFF
            if tasks > 0 {
                claimTasks(region: seen >> 24, count: tasks, index: index)
            } else {
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

    /// Calls the task region's body, as ``runJob(_:)``.
    @inline(never) private func runTask(_ task: Int, _ index: Int) {
        taskJob?(task, index)
    }
}
