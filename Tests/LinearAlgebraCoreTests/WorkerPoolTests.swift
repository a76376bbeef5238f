import Foundation
import LinearAlgebraCore
import Testing

/// Every worker of every region runs exactly once, on a pool of 3 threads, over many back-to-back regions (the
/// spin path) and regions after the threads parked (the park/wake path, with a tiny spin budget).
@Test(arguments: [100_000, 10])
func workerPoolRunsEveryWorkerOnce(spinIterations: Int) {
    let pool = WorkerPool(threads: 3, spinIterations: spinIterations)
    var counts = [Int](repeating: 0, count: 4)
    for region in 0..<2000 {
        let workers = 1 + region % 4
        counts.withUnsafeMutableBufferPointer { c in
            let p = c.baseAddress!
            #expect(pool.run(workers: workers) { w in p[w] += 1 })
        }
        if region % 500 == 0 { usleep(2000) }  // let the threads park
    }
    // Worker w runs in the regions whose width exceeds w: 2000 − 500·w of them.
    #expect(counts == [2000, 1500, 1000, 500])
}

/// A region started from inside a region is refused, and `Parallelism` then runs it on Dispatch: nested
/// parallel loops give the same sums as serial ones.
@Test func nestedRegionsFallBack() {
    let pool = WorkerPool(threads: 1)
    var inner = true
    _ = pool.run(workers: 2) { w in
        if w == 0 { inner = pool.run(workers: 2) { _ in } }
    }
    #expect(!inner)
    var sums = [Int](repeating: 0, count: 8)
    sums.withUnsafeMutableBufferPointer { s in
        let p = s.baseAddress!
        Parallelism.threads(2).forEach(8) { i in
            var t = 0
            Parallelism.threads(2).forEachTask(100) { task, _ in _ = task }
            for k in 0...i { t += k }
            p[i] = t
        }
    }
    #expect(sums == (0..<8).map { $0 * ($0 + 1) / 2 })
}

/// Task regions interleaved with worker regions: every task of every region runs exactly once, on a worker index
/// below the region's width, whether the pool threads are spinning, parked (tiny spin budget, pauses) or arrive
/// after the caller has claimed everything (one-task regions).
@Test(arguments: [100_000, 10])
func workerPoolRunsEveryTaskOnce(spinIterations: Int) {
    let pool = WorkerPool(threads: 3, spinIterations: spinIterations)
    var total = 0, expected = 0
    var badWorker = false
    for region in 0..<3000 {
        let workers = 1 + region % 4
        let count = [1, 2, 7, 64, 300][region % 5]
        var hits = [Int](repeating: 0, count: count)
        hits.withUnsafeMutableBufferPointer { h in
            let p = h.baseAddress!
            let ok = pool.runTasks(count, workers: workers) { task, worker in
                p[task] += 1
                if worker >= workers { badWorker = true }
            }
            #expect(ok)
        }
        #expect(hits.allSatisfy { $0 == 1 }, "region \(region)")
        total += hits.reduce(0, +)
        expected += count
        if region % 3 == 0 {
            var seen = [Int](repeating: 0, count: 4)
            seen.withUnsafeMutableBufferPointer { s in
                let p = s.baseAddress!
                #expect(pool.run(workers: workers) { w in p[w] += 1 })
            }
            #expect(seen == (0..<4).map { $0 < workers ? 1 : 0 })
        }
        if region % 700 == 0 { usleep(2000) }  // let the threads park
    }
    #expect(total == expected && !badWorker)
}
