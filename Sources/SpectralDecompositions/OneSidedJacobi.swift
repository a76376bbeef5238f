import LinearAlgebraCore

/// One-sided (Hestenes) Jacobi: rotates the `count` rows of X (each `length` long, contiguous) in pairs until
/// they are mutually orthogonal, applying the same rotations to the rows of Y when given.
///
/// The rows of X are the columns g_j of the matrix G being decomposed (X = Gᵀ, row-major). Each rotation
/// [g_p g_q] ← [g_p g_q]·J makes the pair orthogonal (``PlaneRotation``); G·V ends with orthogonal columns
/// U·Σ, so G = U Σ Vᵀ with V the product of the rotations, accumulated as rows of Y (Y starts as I, row j of the
/// final Y is column j of V). A pair is rotated only while |g_p·g_q| > tol·‖g_p‖‖g_q‖ (tol from
/// ``JacobiParams``); the iteration stops after the first sweep that rotates nothing.
///
/// Orderings: ``JacobiOrdering/cyclic`` (serial) or ``JacobiOrdering/roundRobin``, whose ⌊n/2⌋ disjoint pairs
/// per step are spread over `parallelism` (same result for any thread count).
///
/// - Returns: the number of sweeps, the last (rotation-free) one included.
/// - Throws: ``SVDError/noConvergence(sweeps:)`` after `params.maxSweeps` sweeps that all rotated.
func oneSidedJacobi<T: LinalgScalar>(
    x: UnsafeMutablePointer<T>, count n: Int, length len: Int,   // n × len, row-major
    y: UnsafeMutablePointer<T>?, yLength: Int,                    // n × yLength, row-major (or nil)
    params: JacobiParams, parallelism: Parallelism
) throws(SVDError) -> Int {
    guard n >= 2 else { return 0 }
    let tol = params.threshold(length: len, T.self)

    /// Orthogonalizes rows p and q; true if it rotated.
    @inline(__always) func pair(_ p: Int, _ q: Int) -> Bool {
        let xp = x + p * len, xq = x + q * len
        let g = fusedGram(xp, xq, len)
        let alpha = g.xx.asDouble, beta = g.yy.asDouble, gamma = g.xy.asDouble
        guard PlaneRotation.needed(alpha: alpha, beta: beta, gamma: gamma, tol: tol) else { return false }
        let r = PlaneRotation(alpha: alpha, beta: beta, gamma: gamma)
        let c = T(r.c), s = T(r.s)
        rotateRows(xp, xq, len, c: c, s: s)
        if let y { rotateRows(y + p * yLength, y + q * yLength, yLength, c: c, s: s) }
        return true
    }

    var ordering = RoundRobinOrdering(n)
    var pairs = [(Int, Int)]()
    pairs.reserveCapacity(n / 2 + 1)
    let flags = UnsafeMutablePointer<UInt8>.allocate(capacity: n / 2 + 1)
    defer { flags.deallocate() }

    for sweep in 1...Swift.max(params.maxSweeps, 1) {
        var rotations = 0
        switch params.ordering {
        case .cyclic:
            for p in 0..<(n - 1) {
                for q in (p + 1)..<n where pair(p, q) { rotations += 1 }
            }
        case .roundRobin:
            for _ in 0..<ordering.steps {
                ordering.pairs(into: &pairs)
                let work = pairs.count * (len + (y == nil ? 0 : yLength))
                if parallelism.isSerial || work < params.parallelWorkThreshold {
                    for (p, q) in pairs where pair(p, q) { rotations += 1 }
                } else {
                    pairs.withUnsafeBufferPointer { pb in
                        parallelism.forEach(pb.count) { i in
                            flags[i] = pair(pb[i].0, pb[i].1) ? 1 : 0
                        }
                    }
                    for i in 0..<pairs.count { rotations += Int(flags[i]) }
                }
                ordering.advance()
            }
        }
        if rotations == 0 { return sweep }
    }
    throw .noConvergence(sweeps: params.maxSweeps)
}
