@testable import GEMM
import LinearAlgebraCore
import Testing

/// `.parallel` with 1, 2, 3 threads (threshold 0 so small problems split), on both the row split (many rows:
/// shared, cooperatively packed B over several column and depth blocks) and the column split (few rows), with tiny
/// blocks, both kernels and both loop orders.
@Test(arguments: [1, 2, 3])
func parallelMatchesReference(threads: Int) {
    func run<T: GEMMScalar>(_: T.Type) {
        var failures = 0
        for kernel in GEMMMicroKernel.allCases {
            for order in GEMMLoopOrder.allCases {
                let mr = kernel.mr, nr = kernel.nr(for: T.self)
                let params = GEMMParams(mc: 2 * mr, kc: 7, nc: 3 * nr, ncInL2: 2 * nr, parallelFlopThreshold: 0,
                                        microKernel: kernel, loopOrder: order)
                for (index, (ta, tb)) in allTransposes.enumerated() {
                    let (alpha, beta) = alphaBetas[index]
                    // Row split: ⌈m/MR⌉ ≥ 2·threads.
                    failures += checkGEMM(T.self, GEMMCase(m: 7 * mr + 2, n: 5 * nr + 3, k: 19, transA: ta, transB: tb,
                                                           alpha: alpha, beta: beta, pad: index, seed: UInt64(index)),
                                          variant: .parallel, parallelism: .threads(threads), params: params)
                    // Column split: few rows.
                    failures += checkGEMM(T.self, GEMMCase(m: mr + 1, n: 4 * nr + 7, k: 16, transA: ta, transB: tb,
                                                           alpha: alpha, beta: beta, pad: index, seed: UInt64(index + 9)),
                                          variant: .parallel, parallelism: .threads(threads), params: params)
                }
            }
        }
        // Default blocking, above and below the flop threshold.
        failures += checkGEMM(T.self, GEMMCase(m: 130, n: 70, k: 129, beta: 1), variant: .parallel,
                              parallelism: .threads(threads))
        failures += checkGEMM(T.self, GEMMCase(m: 20, n: 20, k: 20, beta: 0.5), variant: .parallel,
                              parallelism: .threads(threads))
        #expect(failures == 0)
    }
    run(Float.self)
    run(Double.self)
}

/// The cache-derived default blocking across several KC blocks and several NC blocks (k, n past the defaults),
/// serial and parallel (row split and column split), transposed B as in y = x·Wᵀ.
@Test func defaultBlockingAcrossBlocks() {
    func run<T: GEMMScalar>(_: T.Type) {
        let blk = GEMMBlocking(T.self, kernel: .host, params: .default)
        let longK = blk.kc + 37, wideN = blk.nc + 21
        var failures = 0
        failures += checkGEMM(T.self, GEMMCase(m: 13, n: 40, k: longK, transB: .transposed, beta: 0.5),
                              variant: .blocked)
        failures += checkGEMM(T.self, GEMMCase(m: 13, n: wideN, k: 9, transB: .transposed, beta: 0.5),
                              variant: .blocked)
        let threshold = GEMMParams(parallelFlopThreshold: 0)
        for threads in [2, 3] {
            failures += checkGEMM(T.self, GEMMCase(m: 9, n: wideN, k: 5, transA: .transposed, transB: .transposed),
                                  variant: .parallel, parallelism: .threads(threads), params: threshold)
            failures += checkGEMM(T.self, GEMMCase(m: 6 * blk.mr * threads + 1, n: 40, k: longK, beta: -1),
                                  variant: .parallel, parallelism: .threads(threads), params: threshold)
        }
        #expect(failures == 0)
    }
    run(Float.self)
    run(Double.self)
}
