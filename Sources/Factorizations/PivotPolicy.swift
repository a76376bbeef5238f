import LinearAlgebraCore

/// What the Cholesky kernels do with each pivot d_j = a_jj − Σ_{k<j} l_jk²: require d > 0 (strict) or
/// replace d ≤ θ by a positive value and record the shift (regularized).
struct PivotPolicy<T: LinalgScalar> {
    /// nil: strict. Otherwise θ = τ·max(diag A): pivots d ≤ θ are replaced by `replacement`.
    let threshold: T?
    /// max(θ, floor) > 0.
    let replacement: T
    private(set) var shiftedPivots: [Int] = []
    private(set) var shifts: [Double] = []

    static var strict: PivotPolicy { PivotPolicy(threshold: nil, replacement: 0) }

    init(threshold: T?, replacement: T) {
        self.threshold = threshold
        self.replacement = replacement
    }

    /// The pivot to take the square root of, for the computed pivot `d` at global diagonal index `index`.
    @inline(__always)
    mutating func accept(_ d: T, at index: Int) throws(FactorizationError) -> T {
        if let threshold {
            if d > threshold { return d }
            shiftedPivots.append(index)
            shifts.append(replacement.asDouble - d.asDouble)
            return replacement
        }
        guard d > 0 else { throw .notPositiveDefinite(pivot: index) }  // also catches NaN
        return d
    }
}
