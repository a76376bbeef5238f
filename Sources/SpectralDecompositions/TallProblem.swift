import LinearAlgebraCore

/// What the dense SVDs (Jacobi, bidiagonal) establish about A (m × n) before they start: A is finite, and they
/// decompose the tall problem G (bigM × bigN, bigM ≥ bigN) = A, or Aᵀ when A is wide (m < n), after scaling by
/// 2^scaleExponent (``safeScaleExponent(maxAbs:rows:cols:_:)``; 0 = left alone).
struct TallProblem {
    let m: Int, n: Int
    /// min(m, n): the number of singular values.
    let k: Int
    let wide: Bool
    let bigM: Int, bigN: Int
    let scaleExponent: Int

    /// Throws ``SVDError/nonFinite(row:col:)`` for a non-finite entry.
    init<T: LinalgScalar>(_ a: borrowing Matrix<T>) throws(SVDError) {
        let maxAbs = try finiteMaxAbs(a)
        (m, n) = (a.rows, a.cols)
        k = Swift.min(m, n)
        wide = m < n
        (bigM, bigN) = wide ? (n, m) : (m, n)
        scaleExponent = safeScaleExponent(maxAbs: maxAbs, rows: m, cols: n, T.self)
    }

    /// The decomposition of an A without singular values (k = 0): empty factors of the right shapes.
    func emptyParts<T: LinalgScalar>(vectors: Bool) -> SVDParts<T> {
        SVDParts(s: [], u: vectors ? Matrix(rows: m, cols: 0) : nil, vt: vectors ? Matrix(rows: 0, cols: n) : nil,
                 sweeps: 0)
    }
}
