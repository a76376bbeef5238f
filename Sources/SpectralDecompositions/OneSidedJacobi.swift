import LinearAlgebraCore

/// One-sided (Hestenes) Jacobi: rotates the `count` rows of X (each `length` long, contiguous) in pairs until
/// they are mutually orthogonal, applying the same rotations to the rows of Y when given.
///
/// The rows of X are the columns g_j of the matrix G being decomposed (X = Gᵀ, row-major). Each rotation
/// [g_p g_q] ← [g_p g_q]·J makes the pair orthogonal (``PlaneRotation``); G·V ends with orthogonal columns
/// U·Σ, so G = U Σ Vᵀ with V the product of the rotations, accumulated as rows of Y (Y starts as I, row j of the
/// final Y is column j of V). A pair is rotated only while |g_p·g_q| > tol·‖g_p‖‖g_q‖ (tol from
/// ``JacobiParams``); the iteration stops after the first sweep that rotates nothing, or (LAPACK xGESVJ's test)
/// after a sweep whose largest cosine was below √n·tol and whose rotations were so small (n·max|cos|·max|sin|
/// < tol) that they cannot have left any pair above tol.
///
/// Orderings (``JacobiOrdering``): cyclic (serial), round-robin and block round-robin, whose disjoint pairs /
/// block pairs per step are spread over `parallelism` (same result for any thread count).
///
/// Skipping: every sweep visits the pairs in the same order, and each row records the step ("clock") of its
/// last rotation. A pair neither of whose rows has changed since its visit one sweep ago was orthogonal then
/// and still is, so its dot products are not recomputed (LAPACK `xGESVJ` skips such pairs the same way).
///
/// - Returns: the number of sweeps, the last (rotation-free) one included.
/// - Throws: ``SVDError/noConvergence(sweeps:)`` after `params.maxSweeps` sweeps that all rotated.
@_specialize(where T == Float)
@_specialize(where T == Double)
func oneSidedJacobi<T: LinalgScalar>(
    x: UnsafeMutablePointer<T>, count n: Int, length len: Int,   // n × len, row-major
    y: UnsafeMutablePointer<T>?, yLength: Int,                    // n × yLength, row-major (or nil)
    params: JacobiParams, parallelism: Parallelism
) throws(SVDError) -> Int {
    guard n >= 2 else { return 0 }
    let tol = params.threshold(length: len, T.self)
    let rowWork = len + (y == nil ? 0 : yLength)
    let stamp = UnsafeMutablePointer<Int>.allocate(capacity: n)   // clock of each row's last rotation
    stamp.initialize(repeating: -1, count: n)
    defer { stamp.deallocate() }

    let norms = UnsafeMutablePointer<Double>.allocate(capacity: n)   // ‖x_j‖², tracked through rotations
    defer { norms.deallocate() }
    /// ‖x_j‖² computed afresh.
    @inline(__always) func exactNorm(_ j: Int) -> Double { dotRow(x + j * len, x + j * len, len).asDouble }

    /// Orthogonalizes rows p and q, visited at `clock`, last visited at `previous` (nil in the first sweep);
    /// true if it rotated. Only x_p·x_q is computed per visit; the squared norms are updated as
    /// ‖x_p′‖² = α − tγ, ‖x_q′‖² = β + tγ (``PlaneRotation``) and recomputed when the update cancels
    /// (new value below α/4 or β/4), and for all rows at the start of each sweep (LAPACK xGESVJ also
    /// updates the norms instead of recomputing them).
    @inline(__always) func pair(_ p: Int, _ q: Int, clock: Int, previous: Int?, slot: Int) -> Bool {
        if let previous, Swift.max(stamp[p], stamp[q]) < previous { return false }
        let xp = x + p * len, xq = x + q * len
        let alpha = norms[p], beta = norms[q]
        guard alpha > 0 && beta > 0 else { return false }
        let gamma = dotRow(xp, xq, len).asDouble
        let cosine = abs(gamma) / (alpha.squareRoot() * beta.squareRoot())
        maxCos[slot] = Swift.max(maxCos[slot], cosine)
        guard cosine > tol else { return false }
        let r = PlaneRotation(alpha: alpha, beta: beta, gamma: gamma)
        maxSin[slot] = Swift.max(maxSin[slot], abs(r.s))
        let c = T(r.c), s = T(r.s)
        rotateRows(xp, xq, len, c: c, s: s)
        if let y { rotateRows(y + p * yLength, y + q * yLength, yLength, c: c, s: s) }
        let np = alpha - r.t * gamma, nq = beta + r.t * gamma
        norms[p] = np >= 0.25 * alpha ? np : exactNorm(p)
        norms[q] = nq >= 0.25 * beta ? nq : exactNorm(q)
        stamp[p] = clock
        stamp[q] = clock
        return true
    }

    // Per task slot (n + 1 ≥ tasks of any step): the largest |cos ∠(x_p, x_q)| computed and |sin| applied in the
    // current sweep, for the stopping test.
    let maxCos = UnsafeMutablePointer<Double>.allocate(capacity: n + 1)
    let maxSin = UnsafeMutablePointer<Double>.allocate(capacity: n + 1)
    defer {
        maxCos.deallocate()
        maxSin.deallocate()
    }

    let flags = UnsafeMutablePointer<Int>.allocate(capacity: n + 1)   // rotations per parallel task
    defer { flags.deallocate() }
    /// Runs `tasks` independent tasks (each returning its rotation count), in parallel when worth it.
    func runTasks(_ tasks: Int, work: Int, _ body: (Int) -> Int) -> Int {
        if parallelism.isSerial || tasks < 2 || work < params.parallelWorkThreshold {
            var total = 0
            for t in 0..<tasks { total += body(t) }
            return total
        }
        parallelism.forEach(tasks) { t in flags[t] = body(t) }
        var total = 0
        for t in 0..<tasks { total += flags[t] }
        return total
    }

    var pairs = [(Int, Int)]()
    pairs.reserveCapacity(n / 2 + 1)
    var clock = 0
    for sweep in 1...Swift.max(params.maxSweeps, 1) {
        for j in 0..<n { norms[j] = exactNorm(j) }
        maxCos.update(repeating: 0, count: n + 1)
        maxSin.update(repeating: 0, count: n + 1)
        var rotations = 0
        switch params.ordering {
        case .cyclic:
            let period = n * (n - 1) / 2
            for p in 0..<(n - 1) {
                for q in (p + 1)..<n {
                    if pair(p, q, clock: clock, previous: sweep > 1 ? clock - period : nil, slot: 0) {
                        rotations += 1
                    }
                    clock += 1
                }
            }
        case .roundRobin:
            var ordering = RoundRobinOrdering(n)
            let period = ordering.steps
            for _ in 0..<period {
                ordering.pairs(into: &pairs)
                let prev: Int? = sweep > 1 ? clock - period : nil, now = clock
                rotations += pairs.withUnsafeBufferPointer { pb in
                    runTasks(pb.count, work: pb.count * rowWork) { i in
                        pair(pb[i].0, pb[i].1, clock: now, previous: prev, slot: i) ? 1 : 0
                    }
                }
                ordering.advance()
                clock += 1
            }
        case .blockRoundRobin:
            let b = blockRoundRobinSize(n: n, params: params)
            let nb = (n + b - 1) / b
            func rows(_ i: Int) -> Range<Int> { (i * b)..<Swift.min(n, (i + 1) * b) }
            var ordering = RoundRobinOrdering(nb)
            let period = 1 + ordering.steps
            // Phase 0: the pairs inside each block.
            do {
                let prev: Int? = sweep > 1 ? clock - period : nil, now = clock
                rotations += runTasks(nb, work: n * b * rowWork) { i in
                    var r = 0
                    let rr = rows(i)
                    for p in rr.dropLast() {
                        for q in (p + 1)..<rr.upperBound where pair(p, q, clock: now, previous: prev, slot: i) {
                            r += 1
                        }
                    }
                    return r
                }
                clock += 1
            }
            // Phases 1…: all pairs between the blocks of each block pair.
            for _ in 0..<ordering.steps {
                ordering.pairs(into: &pairs)
                let prev: Int? = sweep > 1 ? clock - period : nil, now = clock
                rotations += pairs.withUnsafeBufferPointer { pb in
                    runTasks(pb.count, work: n * b * rowWork) { t in
                        var r = 0
                        let (ri, rj) = (rows(pb[t].0), rows(pb[t].1))
                        for p in ri {
                            for q in rj where pair(p, q, clock: now, previous: prev, slot: t) { r += 1 }
                        }
                        return r
                    }
                }
                ordering.advance()
                clock += 1
            }
        }
        if rotations == 0 { return sweep }
        // LAPACK xGESVJ's early exit: all cosines were already below √n·tol and the rotations so small that
        // what they can have left is below tol (|cos′| ≲ n·max|cos|·max|sin|), so a final checking sweep
        // would rotate nothing.
        var mc = 0.0, ms = 0.0
        for i in 0...n {
            mc = Swift.max(mc, maxCos[i])
            ms = Swift.max(ms, maxSin[i])
        }
        if sweep > 1 && mc < Double(n).squareRoot() * tol && Double(n) * mc * ms < tol { return sweep }
    }
    throw .noConvergence(sweeps: params.maxSweeps)
}

/// Rows per block of the block round-robin ordering: `params.blockSize`, or n/8 clamped to 32…256, and at most
/// ⌈n/2⌉ (so that two threads find work).
///
/// Measured (Zen 3, 512 KiB L2, f32): blocks sized to fit two in half the L2 (8 rows at n = 2048) were the
/// slowest choice: 2048² took 20.3 s of CPU at b = 8, 11.9 s at 64, 10.0 s at 256, 13.3 s at 1024; 576² went
/// from 294 ms (b = 27) to 252 ms (72). Long runs of contiguous rows stream well from L3 with hardware
/// prefetch, and the in-block phase (pairs inside each block) takes a larger share of the pairs.
func blockRoundRobinSize(n: Int, params: JacobiParams) -> Int {
    if params.blockSize > 0 { return params.blockSize }
    return Swift.max(1, Swift.min(Swift.min(256, Swift.max(32, n / 8)), (n + 1) / 2))
}
