@testable import LinearAlgebraCore
import Testing

@Suite struct MatrixTests {
    @Test func seededGeneratorIsReproducible() {
        var a = SeededGenerator(seed: 42), b = SeededGenerator(seed: 42), c = SeededGenerator(seed: 43)
        let xs = (0..<8).map { _ in a.next() }
        #expect(xs == (0..<8).map { _ in b.next() })
        #expect(xs != (0..<8).map { _ in c.next() })
    }

    @Test func gaussianMomentsAreStandard() {
        var g = SeededGenerator(seed: 7)
        let n = 200_000
        var s = 0.0, s2 = 0.0
        for _ in 0..<n { let x = g.nextGaussian(); s += x; s2 += x * x }
        #expect(abs(s / Double(n)) < 0.01)
        #expect(abs(s2 / Double(n) - 1) < 0.02)
    }

    @Test(arguments: [(3, 5), (1, 1), (0, 4)]) func viewsAndBlocks(rows: Int, cols: Int) {
        var m = Matrix<Double>(rows: rows, cols: cols) { Double($0 * 10 + $1) }
        #expect(m.transposed().transposed() == m)
        m.withMutableView { v in
            guard rows > 1 && cols > 2 else { return }
            let b = v.block(rows: 1..<rows, cols: 2..<cols)
            #expect(b[0, 0] == 12)
            b.fill(-1)
        }
        if rows > 1 && cols > 2 { #expect(m[1, 2] == -1 && m[0, 2] == 2) }
    }

    @Test func frobeniusNormIsScaledAgainstOverflow() {
        let m = Matrix<Double>(rows: 1, cols: 2, elements: [3e200, 4e200])
        #expect(abs(m.frobeniusNorm - 5e200) <= 4 * Double.ulpOfOne * 5e200)
    }

    @Test func cpuInfoParsesCacheSizes() {
        #expect(CPUInfo.parseSize("48K") == 48 << 10)
        #expect(CPUInfo.parseSize("32M") == 32 << 20)
        #expect(CPUInfo.host.l1dBytes > 0 && CPUInfo.host.l2Bytes > 0)
    }

    @Test func parallelForEachVisitsEveryTaskOnce() {
        let n = 1000
        let counts = UnsafeMutablePointer<Int>.allocate(capacity: n)
        counts.initialize(repeating: 0, count: n)
        defer { counts.deallocate() }
        Parallelism.threads(4).forEach(n) { counts[$0] += 1 }
        #expect((0..<n).allSatisfy { counts[$0] == 1 })
    }

    /// Dynamic scheduling: every task exactly once, worker slots in range and never shared by two threads at once.
    @Test(arguments: [1, 2, 3, 8])
    func parallelForEachTaskVisitsEveryTaskOnce(threads: Int) {
        let n = 500
        let counts = UnsafeMutablePointer<Int>.allocate(capacity: n)
        counts.initialize(repeating: 0, count: n)
        let busy = UnsafeMutablePointer<Int>.allocate(capacity: threads)   // per worker slot: tasks in flight
        busy.initialize(repeating: 0, count: threads)
        let clashes = UnsafeMutablePointer<Int>.allocate(capacity: threads)
        clashes.initialize(repeating: 0, count: threads)
        defer { counts.deallocate(); busy.deallocate(); clashes.deallocate() }
        Parallelism.threads(threads).forEachTask(n) { task, worker in
            precondition(worker >= 0 && worker < threads)
            busy[worker] += 1
            if busy[worker] != 1 { clashes[worker] += 1 }
            var x = 0.0
            for i in 0..<(task % 7) * 100 { x += Double(i) }   // uneven tasks
            if x < 0 { counts[task] += 100 }
            counts[task] += 1
            busy[worker] -= 1
        }
        #expect((0..<n).allSatisfy { counts[$0] == 1 })
        #expect((0..<threads).allSatisfy { clashes[$0] == 0 })
    }
}
