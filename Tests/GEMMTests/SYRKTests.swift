@testable import GEMM
import LinearAlgebraCore
import Testing

/// One SYRK test case: C (n × n) ← α·AᵀA + β·C on the lower triangle, A k × n; `pad` extra elements per row of A
/// and C (strided views).
struct SYRKCase: CustomStringConvertible {
    var n: Int, k: Int
    var alpha: Double = 1, beta: Double = 0
    var pad: Int = 0
    var seed: UInt64 = 1

    var description: String { "n=\(n) k=\(k) α=\(alpha) β=\(beta) pad=\(pad)" }
}

/// One way to run SYRK: a variant, threads and blocking.
struct SYRKRun {
    var variant: SYRKVariant
    var parallelism: Parallelism = .serial
    var params: SYRKParams = .default
}

/// Runs `variant` on `cs` and compares the lower triangle with a Double-accumulated reference:
/// |C − C_ref| ≤ 2(k + 2)·ε·(|α|·Σₚ|a_pi·a_pj| + |β|·|C₀|) elementwise. With β = 0 the lower triangle starts as
/// NaN and must come out finite; the strict upper triangle and the padding must be untouched. Returns the number of
/// failing elements.
@discardableResult
func checkSYRK<T: GEMMScalar>(_: T.Type, _ cs: SYRKCase, variant: SYRKVariant, parallelism: Parallelism = .serial,
                              params: SYRKParams = .default) -> Int {
    checkSYRK(T.self, cs, runs: [SYRKRun(variant: variant, parallelism: parallelism, params: params)])
}

/// ``checkSYRK(_:_:variant:parallelism:params:)`` for several runs of one case (the reference computed once).
@discardableResult
func checkSYRK<T: GEMMScalar>(_: T.Type, _ cs: SYRKCase, runs: [SYRKRun]) -> Int {
    let n = cs.n, k = cs.k
    let aStore = Matrix<T>.gaussian(rows: k, cols: n + cs.pad, seed: cs.seed)
    var start = Matrix<T>.gaussian(rows: n, cols: n + cs.pad, seed: cs.seed &+ 1)
    if cs.beta == 0 { for i in 0..<n { for j in 0...i { start[i, j] = .nan } } }
    // Reference and bound of the lower triangle, row-major n × n (A widened to Double once).
    let a = aStore.converted(to: Double.self)
    var ref = [Double](repeating: 0, count: n * n), bound = ref
    for i in 0..<n {
        for j in 0...i {
            var sum = 0.0, mag = 0.0
            for p in 0..<k {
                let x = a[p, i] * a[p, j]
                sum += x
                mag += abs(x)
            }
            let old = cs.beta == 0 ? 0 : start[i, j].asDouble
            ref[i * n + j] = cs.alpha * sum + cs.beta * old
            bound[i * n + j] = 2 * Double(k + 2) * T.machineEpsilon * (abs(cs.alpha) * mag + abs(cs.beta * old))
                + Double.leastNormalMagnitude
        }
    }
    var failures = 0
    for run in runs {
        var cStore = start
        aStore.withView { av in
            cStore.withMutableView { cv in
                syrk(av.block(rows: 0..<k, cols: 0..<n), into: cv.block(rows: 0..<n, cols: 0..<n), alpha: T(cs.alpha),
                     beta: T(cs.beta), variant: run.variant, parallelism: run.parallelism, params: run.params)
            }
        }
        func fail(_ message: String) {
            if failures < 3 { Issue.record("\(T.dtypeName) \(run.variant) \(run.params) \(cs): \(message)") }
            failures += 1
        }
        for i in 0..<n {
            for j in 0...i {
                let got = cStore[i, j].asDouble
                if !(abs(got - ref[i * n + j]) <= bound[i * n + j]) {
                    fail("C[\(i),\(j)] = \(got), expected \(ref[i * n + j]) ± \(bound[i * n + j])")
                }
            }
            for j in (i + 1)..<(n + cs.pad) where cStore[i, j] != start[i, j] {
                fail("wrote outside the lower triangle at [\(i),\(j)]")
            }
        }
    }
    return failures
}

/// α, β pairs: plain product, scaled accumulate, negative α with β = 0, β = 1.
let syrkAlphaBetas: [(Double, Double)] = [(1, 0), (0.5, -1.5), (-2, 0), (1, 1)]

/// Every variant against the reference on n = 1 … MR + NR + 1 (every micro-tile edge and diagonal crossing of both
/// kernels), k = 1, 7, 19, every α/β pair, strided views; blocked variants with tiny blocks (KC 3, one-granule
/// macro-tiles, a pack budget of one slab: several chunks) and with the defaults.
@Test(arguments: SYRKVariant.allCases)
func syrkSmallShapesMatchReference(variant: SYRKVariant) {
    func run<T: GEMMScalar>(_: T.Type) {
        var failures = 0
        for kernel in GEMMMicroKernel.allCases {
            let tiny = SYRKParams(kc: 3, tile: 1, packBudgetBytes: 1, parallelFlopThreshold: 0, microKernel: kernel)
            let nMax = kernel.mr + kernel.nr(for: T.self) + 1
            for n in 1...nMax {
                for (index, k) in [1, 7, 19].enumerated() {
                    let (alpha, beta) = syrkAlphaBetas[(n + index) % syrkAlphaBetas.count]
                    let cs = SYRKCase(n: n, k: k, alpha: alpha, beta: beta, pad: n % 3, seed: UInt64(n * 10 + index))
                    failures += checkSYRK(T.self, cs, runs: [tiny, SYRKParams(microKernel: kernel)].map {
                        SYRKRun(variant: variant, parallelism: .threads(2), params: $0)
                    })
                }
            }
            if variant == .naive { break }   // the kernel choice does not apply
        }
        #expect(failures == 0)
    }
    run(Float.self)
    run(Double.self)
}

/// n = 127, 128, 129 (around tile and granule edges) with k = 1, 7, 512, on 1–3 threads; the blocked variants with
/// default and with small blocks (several slabs, chunks and macro-tiles).
@Test(arguments: [127, 128, 129])
func syrkLargerShapesMatchReference(n: Int) {
    func run<T: GEMMScalar>(_: T.Type) {
        var failures = 0
        for (index, k) in [1, 7, 512].enumerated() {
            let (alpha, beta) = syrkAlphaBetas[(n + index) % syrkAlphaBetas.count]
            let cs = SYRKCase(n: n, k: k, alpha: alpha, beta: beta, pad: index, seed: UInt64(n + index))
            failures += checkSYRK(T.self, cs, runs: [
                SYRKRun(variant: .blocked),
                SYRKRun(variant: .blocked, params: SYRKParams(kc: 64, tile: 48, packBudgetBytes: 100_000)),
                SYRKRun(variant: .parallel, parallelism: .threads(2), params: SYRKParams(parallelFlopThreshold: 0)),
                SYRKRun(variant: .parallel, parallelism: .threads(3),
                        params: SYRKParams(kc: 100, tile: 30, packBudgetBytes: 1, parallelFlopThreshold: 0)),
            ])
        }
        #expect(failures == 0)
    }
    run(Float.self)
    run(Double.self)
}

/// k = 0 or α = 0: the lower triangle is scaled by β (zeroed, not read, when β = 0); n = 0 does nothing.
@Test(arguments: SYRKVariant.allCases)
func syrkTrivialCases(variant: SYRKVariant) {
    #expect(checkSYRK(Double.self, SYRKCase(n: 9, k: 0, alpha: 1, beta: 0.5), variant: variant) == 0)
    #expect(checkSYRK(Double.self, SYRKCase(n: 9, k: 0, alpha: 1, beta: 0), variant: variant) == 0)
    #expect(checkSYRK(Float.self, SYRKCase(n: 7, k: 5, alpha: 0, beta: -1, pad: 2), variant: variant) == 0)
    #expect(checkSYRK(Float.self, SYRKCase(n: 7, k: 5, alpha: 0, beta: 0), variant: variant) == 0)
    let a = Matrix<Double>(rows: 3, cols: 0)
    var c = Matrix<Double>(rows: 0, cols: 0)
    a.withView { av in c.withMutableView { syrk(av, into: $0, variant: variant) } }
}

/// The Float → Double entry (widening while packing) gives exactly what widening A first and running the Double SYRK
/// gives (same blocking, same order of operations), for every variant, and both match the reference bound.
@Test(arguments: SYRKVariant.allCases)
func syrkWideningEntryEqualsWidenedDouble(variant: SYRKVariant) {
    for (n, k, pad) in [(1, 1, 0), (7, 3, 1), (13, 40, 2), (129, 70, 3)] {
        for (params, threads) in [(SYRKParams.default, 1), (SYRKParams(kc: 16, tile: 24, packBudgetBytes: 1,
                                                                       parallelFlopThreshold: 0), 2)] {
            let aStore = Matrix<Float>.gaussian(rows: k, cols: n + pad, seed: UInt64(n + k))
            let wide = aStore.converted(to: Double.self)
            let c0 = Matrix<Double>.gaussian(rows: n, cols: n, seed: 3)
            var fromFloat = c0, fromDouble = c0
            aStore.withView { av in
                fromFloat.withMutableView { cv in
                    syrk(av.block(rows: 0..<k, cols: 0..<n), into: cv, alpha: 0.75, beta: 1, variant: variant,
                         parallelism: .threads(threads), params: params)
                }
            }
            wide.withView { av in
                fromDouble.withMutableView { cv in
                    syrk(av.block(rows: 0..<k, cols: 0..<n), into: cv, alpha: 0.75, beta: 1, variant: variant,
                         parallelism: .threads(threads), params: params)
                }
            }
            #expect(fromFloat.elements == fromDouble.elements, "n=\(n) k=\(k) \(params)")
            var worst = 0.0
            for i in 0..<n {
                for j in 0...i {
                    var sum = 0.0, mag = 0.0
                    for p in 0..<k {
                        sum += Double(aStore[p, i]) * Double(aStore[p, j])
                        mag += abs(Double(aStore[p, i]) * Double(aStore[p, j]))
                    }
                    let ref = 0.75 * sum + c0[i, j]
                    let bound = 2 * Double(k + 2) * Double.ulpOfOne * (0.75 * mag + abs(c0[i, j]))
                    worst = max(worst, abs(fromFloat[i, j] - ref) / bound)
                }
            }
            #expect(worst <= 1, "n=\(n) k=\(k): error \(worst) × the bound")
        }
    }
}

/// The macro-tiles cover the lower triangle of C exactly once, largest work first.
@Test(arguments: [(1, 24), (23, 24), (24, 24), (25, 24), (100, 24), (100, 48)])
func syrkMacroTilesCoverTheLowerTriangle(n: Int, tile: Int) {
    var count = [Int](repeating: 0, count: n * n)
    let tiles = lowerMacroTiles(n: n, tile: tile)
    var lastWork = Int.max
    for (rows, cols) in tiles {
        #expect(cols.lowerBound <= rows.lowerBound)
        let diagonal = rows == cols
        let work = diagonal ? rows.count * (rows.count + 1) / 2 : rows.count * cols.count
        #expect(work <= lastWork)
        lastWork = work
        for i in rows { for j in cols where j <= i { count[i * n + j] += 1 } }
    }
    for i in 0..<n { for j in 0...i { #expect(count[i * n + j] == 1) } }
}

/// Float slabs into a Double C (``SYRKAccumulation/floatSlabs``), every variant (the naive one sums the same slabs
/// in Float): within 2(KC + 2)·ε_Float·(|α|·Σₚ|a_pi·a_pj|) + 2(k/KC + 2)·ε_Double·(…) + |β|·ε_Double·|C₀| of the exact
/// Double result — the rounding of one slab's Float sum, not of all k rows — on shapes that cross the micro-tile
/// edges and the diagonal, with one slab, several slabs and several chunks; the strict upper triangle untouched.
@Test(arguments: SYRKVariant.allCases)
func syrkFloatSlabsMatchDoubleWithinOneSlabOfRounding(variant: SYRKVariant) {
    for kernel in GEMMMicroKernel.allCases {
        let cases: [(n: Int, k: Int, params: SYRKParams, threads: Int)] = [
            (1, 1, SYRKParams(microKernel: kernel), 1),
            (kernel.mr + kernel.nr(for: Float.self) + 1, 19, SYRKParams(kc: 5, tile: 1, packBudgetBytes: 1,
                                                                         parallelFlopThreshold: 0, microKernel: kernel), 2),
            (129, 512, SYRKParams(microKernel: kernel), 2),
            (70, 300, SYRKParams(kc: 64, tile: 24, packBudgetBytes: 100_000, parallelFlopThreshold: 0, microKernel: kernel), 3),
        ]
        for (index, cs) in cases.enumerated() {
            let (alpha, beta) = syrkAlphaBetas[index % syrkAlphaBetas.count]
            let pad = index % 3
            let aStore = Matrix<Float>.gaussian(rows: cs.k, cols: cs.n + pad, seed: UInt64(40 + index))
            var start = Matrix<Double>.gaussian(rows: cs.n, cols: cs.n + pad, seed: UInt64(50 + index))
            if beta == 0 { for i in 0..<cs.n { for j in 0...i { start[i, j] = .nan } } }
            var c = start
            aStore.withView { av in
                c.withMutableView { cv in
                    syrk(av.block(rows: 0..<cs.k, cols: 0..<cs.n), into: cv.block(rows: 0..<cs.n, cols: 0..<cs.n),
                         alpha: alpha, beta: beta, accumulation: .floatSlabs, variant: variant,
                         parallelism: .threads(cs.threads), params: cs.params)
                }
            }
            let kc = SYRKBlocking(Float.self, n: cs.n, k: cs.k, params: cs.params).kc
            let slabs = Double((cs.k + kc - 1) / kc)
            var worst = 0.0, outside = 0
            for i in 0..<cs.n {
                for j in 0...i {
                    var sum = 0.0, mag = 0.0
                    for p in 0..<cs.k {
                        let x = Double(aStore[p, i]) * Double(aStore[p, j])
                        sum += x
                        mag += abs(x)
                    }
                    let old = beta == 0 ? 0 : start[i, j]
                    let ref = alpha * sum + beta * old
                    let bound = 2 * Double(Swift.min(kc, cs.k) + 2) * Double(Float.ulpOfOne) * abs(alpha) * mag
                        + 2 * (slabs + 2) * Double.ulpOfOne * (abs(alpha) * mag + abs(beta * old))
                        + Double.leastNormalMagnitude
                    worst = max(worst, abs(c[i, j] - ref) / bound)
                }
                for j in (i + 1)..<(cs.n + pad) where c[i, j] != start[i, j] && !(c[i, j].isNaN && start[i, j].isNaN) {
                    outside += 1
                }
            }
            #expect(worst <= 1, "\(variant) \(kernel) n=\(cs.n) k=\(cs.k) KC=\(kc): error \(worst) × the bound")
            #expect(outside == 0, "\(variant) \(kernel) n=\(cs.n) k=\(cs.k): wrote outside the lower triangle")
        }
        if variant == .naive { break }
    }
}

/// With one slab holding every row (KC ≥ k), the blocked Float-slab SYRK into Double equals the Float SYRK's lower
/// triangle widened, α·C_Float + β·C₀ in Double: the same Float kernel, the same order of operations.
@Test func syrkFloatSlabsOfOneSlabEqualTheFloatSYRKWidened() {
    let n = 61, k = 40
    let a = Matrix<Float>.gaussian(rows: k, cols: n, seed: 9)
    let c0 = Matrix<Double>.gaussian(rows: n, cols: n, seed: 10)
    var mixed = c0
    var single = Matrix<Float>(rows: n, cols: n)
    let params = SYRKParams(kc: 64)
    a.withView { av in
        mixed.withMutableView { syrk(av, into: $0, alpha: 1, beta: 1, accumulation: .floatSlabs, variant: .blocked, params: params) }
        single.withMutableView { syrk(av, into: $0, alpha: 1, beta: 0, variant: .blocked, params: params) }
    }
    for i in 0..<n {
        for j in 0...i { #expect(mixed[i, j] == Double(single[i, j]) + c0[i, j], "[\(i),\(j)]") }
    }
}
