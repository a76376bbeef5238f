/// What a regularized Cholesky changed: the factor satisfies L·Lᵀ = A + Σₖ shifts[k]·e_p e_pᵀ
/// with p = shiftedPivots[k] (up to rounding).
public struct RegularizationReport: Sendable, Equatable {
    /// 0-based indices of the pivots that were replaced, increasing.
    public var shiftedPivots: [Int]
    /// The amount added to each of those diagonal elements (replacement − computed pivot), ≥ 0.
    public var shifts: [Double]
    /// Σ shifts.
    public var totalShift: Double
    /// The threshold τ·max(diag A) pivots were compared with.
    public var threshold: Double

    public init(shiftedPivots: [Int] = [], shifts: [Double] = [], totalShift: Double = 0, threshold: Double = 0) {
        self.shiftedPivots = shiftedPivots
        self.shifts = shifts
        self.totalShift = totalShift
        self.threshold = threshold
    }

    /// No pivot was shifted: the factor is the exact Cholesky factor of A.
    public var isUnshifted: Bool { shiftedPivots.isEmpty }
}
