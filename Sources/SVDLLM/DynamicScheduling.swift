import Dispatch
import Foundation
import LinearAlgebraCore

extension Parallelism {
    /// Runs `body(task)` for every task in `0..<count` on at most `threads` workers that take the next task
    /// when they finish one (for tasks of unequal cost, e.g. factorizing matrices of different shapes).
    func forEachDynamic(_ count: Int, _ body: (Int) -> Void) {
        guard count > 0 else { return }
        let workers = Swift.min(threads, count)
        if workers == 1 {
            for t in 0..<count { body(t) }
            return
        }
        let lock = NSLock()
        nonisolated(unsafe) var next = 0
        withoutActuallyEscaping(body) { body in
            nonisolated(unsafe) let body = body
            DispatchQueue.concurrentPerform(iterations: workers) { _ in
                while true {
                    lock.lock()
                    let t = next
                    next += 1
                    lock.unlock()
                    if t >= count { return }
                    body(t)
                }
            }
        }
    }
}
