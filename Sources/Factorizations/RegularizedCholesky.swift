import GEMM
import LinearAlgebraCore

/// A Cholesky factor of A + D for a possibly singular symmetric positive semidefinite A (a Gram matrix XᵀX
/// with fewer samples than columns, as in SVD-LLM whitening), D ≥ 0 diagonal and as small as the policy allows.
///
/// Policy: with θ = τ·max(maxⱼ aⱼⱼ, 0) (τ = `params.relativeThreshold`, default n·ε), each pivot
///
///     dⱼ = aⱼⱼ − Σ_{k<j} lⱼₖ²   with dⱼ ≤ θ   is replaced by   d̃ⱼ = max(θ, floor) > 0,
///
/// i.e. aⱼⱼ is shifted by sⱼ = d̃ⱼ − dⱼ ≥ 0; the index and sⱼ are recorded and the factorization continues.
/// Hence L·Lᵀ = A + diag(s). Pivots are found by the unblocked diagonal-block kernel, so the blocked variant
/// applies exactly the same policy. Non-finite input throws ``FactorizationError/nonFinite(argument:row:col:)``.
public struct RegularizedCholesky<T: GEMMScalar>: Sendable {
    /// The factor of A + diag(shifts).
    public var factor: Cholesky<T>
    /// Which pivots were shifted, and by how much.
    public var report: RegularizationReport

    /// n × n lower triangular, zeros above.
    public var l: Matrix<T> { factor.l }

    @specialized(where T == Float)
    @specialized(where T == Double)
    ///
    /// `a` is consumed: passed without other references (`consume g`), it becomes the factor in place, so a large
    /// Gram is not held twice.
    public init(_ a: consuming Matrix<T>, params: RegularizationParams = .default, variant: CholeskyVariant = .blocked,
                choleskyParams: CholeskyParams = .default, parallelism: Parallelism = .serial)
        throws(FactorizationError) {
        guard a.rows == a.cols else {
            throw .dimensionMismatch(argument: "a", expected: "a square matrix", got: "\(a.rows)×\(a.cols)")
        }
        var policy = try Self.policy(for: a, params: params)
        let l = try Cholesky<T>.factor(consume a, variant: variant, params: choleskyParams, parallelism: parallelism,
                                       policy: &policy)
        factor = Cholesky(factor: l)
        report = RegularizationReport(shiftedPivots: policy.shiftedPivots, shifts: policy.shifts,
                                      totalShift: policy.shifts.reduce(0, +),
                                      threshold: policy.threshold?.asDouble ?? 0)
    }

    /// θ = τ·max(diag A, 0) and the replacement max(θ, floor), after checking the lower triangle is finite.
    static func policy(for a: Matrix<T>, params: RegularizationParams) throws(FactorizationError) -> PivotPolicy<T> {
        let n = a.rows
        var maxDiagonal = 0.0
        for i in 0..<n {
            for j in 0...i where !a[i, j].isFinite { throw .nonFinite(argument: "a", row: i, col: j) }
            maxDiagonal = Swift.max(maxDiagonal, a[i, i].asDouble)
        }
        guard params.absoluteFloor >= 0, (params.relativeThreshold ?? 0) >= 0 else {
            throw .invalidArgument(name: "params", reason: "thresholds must be ≥ 0")
        }
        let tau = params.relativeThreshold ?? Double(Swift.max(n, 1)) * T.machineEpsilon
        let theta = tau * maxDiagonal
        let floor = Swift.max(params.absoluteFloor, T.leastNormalMagnitude.asDouble)
        return PivotPolicy(threshold: T(theta), replacement: T(Swift.max(theta, floor)))
    }
}

extension Cholesky {
    /// The regularized factorization of `a` (see ``RegularizedCholesky``): the factor and the shift report.
    public static func regularized(
        _ a: Matrix<T>, params: RegularizationParams = .default, variant: CholeskyVariant = .blocked,
        choleskyParams: CholeskyParams = .default, parallelism: Parallelism = .serial
    ) throws(FactorizationError) -> RegularizedCholesky<T> {
        try RegularizedCholesky(a, params: params, variant: variant, choleskyParams: choleskyParams,
                                parallelism: parallelism)
    }
}
