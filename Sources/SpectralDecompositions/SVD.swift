import GEMM
import LinearAlgebraCore

/// The singular value decomposition A = U Σ Vᵀ of an m × n matrix (Eigen style: decompose in `init`, then ask).
///
/// Thin: with k = min(m, n) (or the requested rank for ``SVDAlgorithm/randomized(rank:oversampling:powerIterations:sketch:seed:)``),
/// U is m × k with orthonormal columns, Σ = diag(σ₁ ≥ … ≥ σ_k ≥ 0), Vᵀ is k × n with orthonormal rows; with
/// ``SVDOptions/leadingVectors`` c < k, U and Vᵀ hold the leading c vectors only (U m × c, Vᵀ c × n).
/// Sign convention: the largest-magnitude entry of each right singular vector (row of Vᵀ; the first one on
/// ties) is positive, and the matching column of U follows, so results are deterministic.
///
/// ```swift
/// let svd = try SVD(a, options: .init(algorithm: .randomized(rank: 64, sketch: .srft, seed: 1)))
/// let (u, s, vt) = svd.truncated(rank: 32)
/// ```
public struct SVD<T: GEMMScalar>: Sendable {
    public let rows: Int
    public let cols: Int
    /// σ₁ ≥ σ₂ ≥ … ≥ 0.
    public let singularValues: [T]
    /// m × k (m × c with ``SVDOptions/leadingVectors``), orthonormal columns (nil in values-only mode).
    public let u: Matrix<T>?
    /// k × n (c × n with ``SVDOptions/leadingVectors``), orthonormal rows (nil in values-only mode).
    public let vt: Matrix<T>?
    /// Jacobi sweeps used (of the small SVD, for the randomized algorithm; implicit-QR steps per row of the
    /// bidiagonal when ``SVDAlgorithm/bidiagonal`` runs QR, 0 after divide and conquer).
    public let sweeps: Int
    public let options: SVDOptions

    /// Decomposes `a`.
    /// - Throws: ``SVDError/nonFinite(row:col:)`` for NaN/Inf input, ``SVDError/noConvergence(sweeps:)`` past
    ///   the sweep limit, ``SVDError/invalidArgument(name:reason:)`` for a bad rank/oversampling/power count.
    ///
    /// `a` is consumed: the bidiagonal route frees it as soon as its working copy exists when the caller gave it up.
    public init(_ a: consuming Matrix<T>, options: SVDOptions = .init()) throws(SVDError) {
        let vectors = options.computeVectors == .thin
        rows = a.rows
        cols = a.cols
        let parts: SVDParts<T>
        switch options.algorithm {
        case .jacobi:
            parts = try jacobiSVD(a, vectors: vectors, kernel: .scalar, params: options.params,
                                  parallelism: options.parallelism)
        case .jacobiBlocked:
            parts = try jacobiSVD(a, vectors: vectors, kernel: .blocked, params: options.params,
                                  parallelism: options.parallelism)
        case let .randomized(rank, oversampling, powerIterations, sketch, seed, mixedPrecisionRange):
            parts = try randomizedSVD(a, rank: rank, oversampling: oversampling, powerIterations: powerIterations,
                                      sketch: sketch, seed: seed, mixedPrecisionRange: mixedPrecisionRange,
                                      vectors: vectors, params: options.params, parallelism: options.parallelism)
        case .bidiagonal:
            parts = try bidiagonalSVD(consume a, vectors: vectors, leadingVectors: options.leadingVectors,
                                      params: options.bidiagonal, parallelism: options.parallelism)
        }
        singularValues = parts.s
        if let c = options.leadingVectors, let pu = parts.u, let pv = parts.vt, c < pu.cols {
            u = pu.submatrix(rows: 0..<pu.rows, cols: 0..<c)
            vt = pv.submatrix(rows: 0..<c, cols: 0..<pv.cols)
        } else {
            u = parts.u
            vt = parts.vt
        }
        sweeps = parts.sweeps
        self.options = options
    }

    /// The numerical rank: how many σ exceed `threshold` (absolute; nil = max(m, n)·ε·σ₁).
    public func rank(threshold: Double? = nil) -> Int {
        guard let s1 = singularValues.first?.asDouble else { return 0 }
        let t = threshold ?? Double(Swift.max(rows, cols)) * T.machineEpsilon * s1
        return singularValues.reduce(0) { $0 + ($1.asDouble > t ? 1 : 0) }
    }

    /// The best rank-r approximation's factors: U's first r columns (m × r), σ₁…σ_r, Vᵀ's first r rows (r × n).
    /// Requires vectors (`computeVectors: .thin`) and r ≤ the number of computed singular vectors.
    public func truncated(rank r: Int) -> (u: Matrix<T>, s: [T], vt: Matrix<T>) {
        guard let u, let vt else { preconditionFailure("SVD.truncated: computed with computeVectors: .valuesOnly") }
        precondition(r >= 0 && r <= u.cols, "SVD.truncated: rank \(r) not in 0...\(u.cols)")
        return (u.submatrix(rows: 0..<u.rows, cols: 0..<r), Array(singularValues.prefix(r)),
                vt.submatrix(rows: 0..<r, cols: 0..<vt.cols))
    }
}
