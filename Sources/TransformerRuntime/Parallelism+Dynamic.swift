import Foundation
import LinearAlgebraCore

extension Parallelism {
    /// Runs `body(task)` for every task in `0..<count`, each worker taking the next task as it finishes one.
    ///
    /// For tasks of unequal cost (attention blocks: later queries see more keys) listed heaviest first, this
    /// balances where ``forEach(_:_:)``'s fixed contiguous chunks would not; it also absorbs a worker that the OS
    /// holds back on a busy machine.
    func forEachDynamic(_ count: Int, _ body: (Int) -> Void) {
        let workers = Swift.min(threads, count)
        guard workers > 1 else {
            for t in 0..<count { body(t) }
            return
        }
        let queue = TaskCounter()
        forEach(workers) { _ in
            while let t = queue.next(below: count) { body(t) }
        }
    }
}

/// Hands out 0, 1, 2, … to concurrent callers.
private final class TaskCounter: @unchecked Sendable {
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
