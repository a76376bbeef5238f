@testable import GEMM
import LinearAlgebraCore
import Testing

/// Every m, n in 1…MR+1 / 1…NR+1 (full and edge tiles, and the GEMV shapes m = 1, n = 1), for each micro-kernel
/// and loop order forced through params, all transposes and α/β pairs in rotation.
@Test(arguments: GEMMMicroKernel.allCases, GEMMLoopOrder.allCases)
func blockedTileEdges(kernel: GEMMMicroKernel, order: GEMMLoopOrder) {
    func run<T: GEMMScalar>(_: T.Type) {
        let mr = kernel.mr, nr = kernel.nr(for: T.self)
        var failures = 0
        for m in 1...(mr + 1) {
            for n in 1...(nr + 1) {
                let (ta, tb) = allTransposes[(m + n) % 4]
                let (alpha, beta) = alphaBetas[(m * 3 + n) % 4]
                let cs = GEMMCase(m: m, n: n, k: 1 + (m + n) % 5, transA: ta, transB: tb, alpha: alpha, beta: beta,
                                  seed: UInt64(m * 100 + n))
                failures += checkGEMM(T.self, cs, variant: .blocked,
                                      params: GEMMParams(microKernel: kernel, loopOrder: order))
            }
        }
        #expect(failures == 0)
    }
    run(Float.self)
    run(Double.self)
}

/// Tiny blocks (mc = 2·MR, kc = 7, nc = 3·NR, slices of 2·NR columns in L2) so every loop of the five (and the
/// slice loop of `rowsOuter`) has a partial last block, for both micro-kernels and both loop orders, every transpose
/// and α/β pair, with strided views.
@Test(arguments: GEMMMicroKernel.allCases, GEMMLoopOrder.allCases)
func blockedEveryBlockEdge(kernel: GEMMMicroKernel, order: GEMMLoopOrder) {
    func run<T: GEMMScalar>(_: T.Type) {
        let mr = kernel.mr, nr = kernel.nr(for: T.self)
        let params = GEMMParams(mc: 2 * mr, kc: 7, nc: 3 * nr, ncInL2: 2 * nr, microKernel: kernel, loopOrder: order)
        var failures = 0
        for (index, (ta, tb)) in allTransposes.enumerated() {
            for (alpha, beta) in alphaBetas {
                let cs = GEMMCase(m: 4 * mr + 3, n: 7 * nr + 5, k: 23, transA: ta, transB: tb, alpha: alpha,
                                  beta: beta, pad: index, seed: UInt64(index))
                failures += checkGEMM(T.self, cs, variant: .blocked, params: params)
            }
        }
        // k = 1 and a k that is a multiple of kc.
        for k in [1, 14] {
            failures += checkGEMM(T.self, GEMMCase(m: 2 * mr + 1, n: 3 * nr + 1, k: k, beta: 0.5),
                                  variant: .blocked, params: params)
        }
        #expect(failures == 0)
    }
    run(Float.self)
    run(Double.self)
}

/// Sizes around 128 with the default (cache-derived) blocking, all transposes.
@Test func blockedAround128() {
    func run<T: GEMMScalar>(_: T.Type) {
        var failures = 0
        let shapes = [(127, 128, 129), (128, 129, 127), (129, 127, 128), (128, 128, 128)]
        for (index, (m, n, k)) in shapes.enumerated() {
            let (ta, tb) = allTransposes[index]
            let (alpha, beta) = alphaBetas[index]
            failures += checkGEMM(T.self, GEMMCase(m: m, n: n, k: k, transA: ta, transB: tb, alpha: alpha, beta: beta,
                                                   pad: index, seed: UInt64(index)), variant: .blocked)
        }
        #expect(failures == 0)
    }
    run(Float.self)
    run(Double.self)
}

/// k = 0 and α = 0: C ← β·C (β = 0 gives zeros even over NaN); empty C does nothing.
@Test(arguments: GEMMVariant.allCases)
func degenerateShapes(variant: GEMMVariant) {
    func run<T: GEMMScalar>(_: T.Type) {
        var failures = 0
        for beta in [0.0, 2.0] {
            failures += checkGEMM(T.self, GEMMCase(m: 5, n: 9, k: 0, beta: beta), variant: variant)
            failures += checkGEMM(T.self, GEMMCase(m: 7, n: 3, k: 4, alpha: 0, beta: beta, pad: 2), variant: variant)
        }
        failures += checkGEMM(T.self, GEMMCase(m: 0, n: 4, k: 3), variant: variant)
        failures += checkGEMM(T.self, GEMMCase(m: 4, n: 0, k: 3), variant: variant)
        #expect(failures == 0)
    }
    run(Float.self)
    run(Double.self)
}

/// The naive reference itself against the Double-accumulated check, all transposes.
@Test func naiveAgainstDoubleReference() {
    var failures = 0
    for (index, (ta, tb)) in allTransposes.enumerated() {
        let (alpha, beta) = alphaBetas[index]
        let cs = GEMMCase(m: 9, n: 11, k: 13, transA: ta, transB: tb, alpha: alpha, beta: beta, pad: index)
        failures += checkGEMM(Float.self, cs, variant: .naive)
        failures += checkGEMM(Double.self, cs, variant: .naive)
    }
    #expect(failures == 0)
}

/// Default blocking is consistent: MC a multiple of MR, NC of NR, and the L1/L2/L3 budgets hold for each loop
/// order: the operand kept in L1 (A's MR × KC micro-panel, or B's KC × NR one) within half of it.
@Test(arguments: GEMMMicroKernel.allCases)
func blockingFromCache(kernel: GEMMMicroKernel) {
    let cpu = CPUInfo(l1dBytes: 32 << 10, l2Bytes: 512 << 10, l3Bytes: 32 << 20, hasAVX512: false, logicalCores: 2)
    for size in [4, 8] {
        for order in GEMMLoopOrder.allCases {
            let params = GEMMParams(loopOrder: order)
            let blk = size == 4 ? GEMMBlocking(Float.self, kernel: kernel, params: params, cpu: cpu)
                                : GEMMBlocking(Double.self, kernel: kernel, params: params, cpu: cpu)
            #expect(blk.order == order)
            #expect(blk.mc % blk.mr == 0 && blk.nc % blk.nr == 0 && blk.kc > 0)
            let inL1 = order == .rowsOuter ? blk.mr : blk.nr
            #expect(inL1 * blk.kc * size <= cpu.l1dBytes / 2)
            #expect(blk.mc * blk.kc * size <= cpu.l2Bytes / 2)
            #expect(blk.kc * blk.nc * size <= cpu.l3Bytes / 4)
        }
    }
    // rowsOuter: the B slice swept at a time (KC × ncInL2) within half of L2, beside the A block.
    for size in [4, 8] {
        let blk = size == 4 ? GEMMBlocking(Float.self, kernel: kernel, params: .default, cpu: cpu)
                            : GEMMBlocking(Double.self, kernel: kernel, params: .default, cpu: cpu)
        #expect(blk.order == .rowsOuter && blk.ncInL2 % blk.nr == 0 && blk.ncInL2 <= blk.nc)
        #expect(blk.kc * blk.ncInL2 * size <= cpu.l2Bytes / 2)
    }
    let forced = GEMMBlocking(Float.self, kernel: kernel, params: GEMMParams(mc: 1, kc: 3, nc: 1), cpu: cpu)
    #expect(forced.mc == kernel.mr && forced.kc == 3 && forced.nc == kernel.nr(for: Float.self))
}
