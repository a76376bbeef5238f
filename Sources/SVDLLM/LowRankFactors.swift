import Factorizations
import LinearAlgebraCore

/// A compressed linear layer W ≈ W_u·W_v and how it was obtained.
public struct LowRankFactors: Sendable {
    /// out × r.
    public var u: Matrix<Double>
    /// r × in.
    public var v: Matrix<Double>
    /// Singular values of the decomposed matrix W·S, descending (only the top r + oversampling for `rsvd`).
    public var singularValues: [Double]
    /// ‖W·S‖_F² − Σ_{i≤r} σᵢ²: the predicted output loss ‖(W − W_u W_v) X‖_F² of the truncation (per token when
    /// S comes from the mean Gram), before any update.
    public var truncationLoss: Double
    /// Shifted pivots of a regularized Cholesky, when one was needed.
    public var regularization: RegularizationReport?

    public var rank: Int { u.cols }
}
