import LinearAlgebraCore

/// Which singular vectors an ``SVD`` computes.
public enum SVDComputeVectors: String, Sendable, CaseIterable {
    /// U (m × k) and Vᵀ (k × n), k = min(m, n) (or the requested rank for the randomized SVD).
    case thin
    /// Singular values only (no U, V accumulation).
    case valuesOnly
}

/// The random test matrix Ω of the randomized range finder.
public enum SVDSketch: String, Sendable, CaseIterable {
    /// Ω with independent N(0, 1) entries (seeded): Y = AΩ by GEMM.
    case gaussian
    /// Subsampled randomized trigonometric transform Ω = √(n/l)·D·F·R: random signs D, the orthonormal
    /// DCT-II F along the n axis (FFTW), l random columns R. Y = AΩ in O(mn log n).
    case srft
}

/// How an ``SVD`` is computed.
public enum SVDAlgorithm: Sendable, Equatable {
    /// One-sided (Hestenes) Jacobi, by default after the Drmač–Veselić preconditioning (norm-sorted columns,
    /// QR, LQ of R; see ``QRPreconditioner``): all singular values. By default (``JacobiRightVectors/recovered``)
    /// the sweeps run values-first (Double input: in Float), V is recovered by a GEMM and a QR and polished by
    /// accumulating sweeps: σ accurate to O(ε·σ₁). ``JacobiRightVectors/accumulated`` keeps the classic
    /// rotation-only path (high relative accuracy for graded matrices).
    case jacobi
    /// Block one-sided Jacobi: Gram matrices and updates of column-block pairs by GEMM.
    case jacobiBlocked
    /// Randomized SVD (Halko–Martinsson–Tropp) of the top `rank` triplets: l = rank + oversampling sketch
    /// columns, `powerIterations` steps of (AAᵀ) with re-orthonormalization, then Jacobi on the l × n B = QᵀA.
    /// `mixedPrecisionRange` (Double input only; no effect on Float): the sketch and power iterations run in
    /// Float on a scaled Float copy of A; the final orthonormalization, B, its SVD and U in Double. Faster (the
    /// Float products run at twice the speed); the singular vectors carry an extra error ≈ ε_f32·σ₁/σ_l, the σ
    /// only its square — far below the randomized error at usual oversampling, but a floor for matrices the
    /// all-Double range finder would capture to ~10⁻¹²: set it false for those.
    case randomized(rank: Int, oversampling: Int = 10, powerIterations: Int = 2, sketch: SVDSketch = .gaussian,
                    seed: UInt64 = 0, mixedPrecisionRange: Bool = true)
    /// Householder bidiagonalization (blocked, after a QR when m ≫ n), the bidiagonal SVD by divide and conquer
    /// (implicit-shift QR for small bidiagonals and values-only), U and V back-transformed by blocked reflectors
    /// (LAPACK gesdd's plan): all singular values, σ accurate to O(ε·σ₁). Tunables in
    /// ``SVDOptions/bidiagonal`` (``BidiagonalSVDParams``).
    case bidiagonal
}

/// Everything an ``SVD`` can be told.
public struct SVDOptions: Sendable, Equatable {
    public var computeVectors: SVDComputeVectors
    public var algorithm: SVDAlgorithm
    public var params: JacobiParams
    public var parallelism: Parallelism
    /// Tunables of ``SVDAlgorithm/bidiagonal``.
    public var bidiagonal: BidiagonalSVDParams
    /// With ``SVDComputeVectors/thin``: keep only the leading c singular vectors, U m × c and Vᵀ c × n (every
    /// singular value is still computed); nil = all k. ``SVDAlgorithm/bidiagonal`` back-transforms only those c
    /// (its back-transformation costs c/k of the full one); the other algorithms compute all and keep the first c.
    public var leadingVectors: Int?

    public init(computeVectors: SVDComputeVectors = .thin, algorithm: SVDAlgorithm = .jacobi,
                params: JacobiParams = .init(), parallelism: Parallelism = .serial,
                bidiagonal: BidiagonalSVDParams = .init(), leadingVectors: Int? = nil) {
        precondition(leadingVectors.map { $0 >= 0 } ?? true, "SVDOptions: leadingVectors must be ≥ 0")
        self.computeVectors = computeVectors
        self.algorithm = algorithm
        self.params = params
        self.parallelism = parallelism
        self.bidiagonal = bidiagonal
        self.leadingVectors = leadingVectors
    }
}
