/// How a regularized Cholesky treats a pivot that is too small (see ``RegularizedCholesky``).
public struct RegularizationParams: Sendable, Equatable {
    /// τ: a pivot d is "too small" when d ≤ τ·max(diag A). nil means n·ε (ε = T.machineEpsilon).
    public var relativeThreshold: Double?
    /// The smallest replacement pivot, for A whose diagonal is all ≤ 0; never below T's least normal number.
    public var absoluteFloor: Double

    public init(relativeThreshold: Double? = nil, absoluteFloor: Double = 0) {
        self.relativeThreshold = relativeThreshold
        self.absoluteFloor = absoluteFloor
    }

    public static let `default` = RegularizationParams()
}
