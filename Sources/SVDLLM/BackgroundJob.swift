import Dispatch
import Foundation

/// One computation started on a thread of its own, whose outcome the starting thread collects later with
/// ``wait()``: the compressor's factorization of block i while the calling thread profiles block i + 1.
///
/// A dedicated thread, not a GCD queue: the job may itself call ``LinearAlgebraCore/Parallelism`` (which runs
/// `DispatchQueue.concurrentPerform`, the calling thread taking part), and a job parked on a GCD pool thread would
/// take one of the pool's (one per core) workers away from the starter's own `concurrentPerform` calls. Two
/// concurrent `concurrentPerform` callers cannot deadlock: each caller runs iterations itself until none is left.
///
/// Contract (why the work closure need not be `@Sendable`): everything `work` captures is either a private copy
/// (value types) or not touched by the starter until ``wait()`` returns; the outcome is published by the semaphore,
/// which orders the job's writes before the waiter's reads.
final class BackgroundJob<Success>: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var outcome: Result<Success, CompressionError>?
    /// When the work began and ended (``DispatchTime``: one monotonic clock for every thread).
    private(set) var started: DispatchTime = .now()
    private(set) var finished: DispatchTime = .now()

    /// Starts `work` on a new thread.
    init(_ work: @escaping () throws(CompressionError) -> Success) {
        nonisolated(unsafe) let work = work
        let thread = Thread { [self] in
            self.started = .now()
            let result = Result { () throws(CompressionError) in try work() }
            self.finished = .now()
            self.outcome = result
            self.done.signal()
        }
        thread.stackSize = 8 << 20  // as the main thread's default: the factorization recurses little, but safely
        thread.start()
    }

    /// Blocks until the work is over; its value or its typed error. Call once.
    func wait() -> Result<Success, CompressionError> {
        done.wait()
        return outcome!
    }
}
