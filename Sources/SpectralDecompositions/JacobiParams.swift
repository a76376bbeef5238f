import LinearAlgebraCore

/// The order in which a Jacobi sweep visits the column pairs (p, q).
public enum JacobiOrdering: String, Sendable, CaseIterable {
    /// Row-cyclic: (0,1), (0,2), …, (0,n−1), (1,2), …; serial only.
    case cyclic
    /// Round-robin tournament ("chess" ordering): each of the n−1 steps of a sweep pairs the n columns into
    /// ⌊n/2⌋ disjoint pairs, which are rotated in parallel over the ``Parallelism``. The result does not
    /// depend on the thread count.
    case roundRobin
    /// Round-robin over blocks of b columns (b from ``JacobiParams/blockSize``, or n/8 clamped to 32…256): first every block's internal pairs, then per step the disjoint
    /// block pairs (I, J) in parallel, each visiting all p ∈ I, q ∈ J serially. Every pair is visited once per
    /// sweep, while the rows stay in cache for b rotations each. Also independent of the thread count.
    case blockRoundRobin
}

/// When the Jacobi SVD first reduces A (m × n, m ≥ n after transposing a wide A) to R of A = QR.
public enum QRPreconditioning: String, Sendable, CaseIterable {
    /// Only for strictly tall A (m > n): Jacobi then rotates n × n instead of m-long columns.
    case whenTall
    /// Also for square A (Drmač–Veselić preconditioning; Jacobi runs on Rᵀ or R₂ᵀ). The default: with
    /// ``QRPreconditioner/pivotedQRLQ`` it saves sweeps on square matrices too.
    case always
    /// Never: Jacobi rotates the columns of A itself.
    case never
}

/// How the QR preconditioning (when ``QRPreconditioning`` applies) prepares the matrix Jacobi rotates.
public enum QRPreconditioner: String, Sendable, CaseIterable {
    /// G = QR; Jacobi on Rᵀ (the columns of Rᵀ are R's rows).
    case qr
    /// Drmač–Veselić: the columns of G sorted by decreasing norm (G·P), G·P = Q·R, then Rᵀ = Q₂·R₂ (an LQ
    /// factorization of R); Jacobi on R₂ᵀ, whose Gram R₂R₂ᵀ is two QR-algorithm steps from (GP)ᵀ(GP) and so
    /// much closer to diagonal: far fewer sweeps. U = Q·U_x, V = P·Q₂·V_x.
    case pivotedQRLQ
}

/// Tunables of the one-sided Jacobi SVD. Defaults suit production; tests override them to reach every path.
public struct JacobiParams: Sendable, Equatable {
    /// A sweep limit; exceeding it throws ``SVDError/noConvergence(sweeps:)``.
    public var maxSweeps: Int
    /// Pair (p, q) is rotated only while |aₚ·a_q| > tolerance·‖aₚ‖‖a_q‖; nil = ε·√len, with len the length
    /// of the rotated columns (LAPACK's `xGESVJ` choice).
    public var tolerance: Double?
    public var ordering: JacobiOrdering
    public var qrPreconditioning: QRPreconditioning
    /// What the QR preconditioning does (when it applies).
    public var preconditioner: QRPreconditioner
    /// Columns per block of `jacobi-blocked` and of the ``JacobiOrdering/blockRoundRobin`` ordering;
    /// 0 = chosen from the sizes.
    public var blockSize: Int
    /// `jacobi-blocked`: sweep limit of the inner Jacobi on each block pair's Gram matrix.
    public var innerMaxSweeps: Int
    /// Below this many element updates per round-robin step (pairs × column length), a step runs serially.
    public var parallelWorkThreshold: Int
    /// How the scalar `jacobi` kernel obtains V (the `jacobi-blocked` kernel always accumulates).
    public var rightVectors: JacobiRightVectors
    /// With ``JacobiRightVectors/recovered`` and Double input: the values-only first phase runs in Float.
    public var mixedPrecision: Bool
    /// Float input with vectors and σ₁/σ_k > 10³: σᵢ recomputed as the Rayleigh quotient uᵢᵀ A vᵢ in Double (one
    /// Double GEMM; see ``rayleighQuotientsInDouble(_:uRows:vRows:s:parallelism:)``).
    public var sigmaRefinement: Bool
    /// ``JacobiRightVectors/recovered``: how the second phase reaches full precision.
    public var refinement: JacobiRefinement
    /// ``JacobiRefinement/gram``: the most refinement steps before the one-sided Jacobi takes over.
    public var gramSteps: Int
    /// ``JacobiRefinement/gram``: a pair whose first-order correction |Ẽᵢⱼ| exceeds this (nearly equal σ) is left
    /// to the one-sided Jacobi (its second-order error would be ≈ coupling² relative).
    public var gramCoupling: Double
    /// ``JacobiRightVectors/recovered``: the rotation threshold of the values-only first phase; nil = the
    /// phase's own ε·√len (in Float with ``mixedPrecision``).
    public var firstPhaseTolerance: Double?

    public init(maxSweeps: Int = 40, tolerance: Double? = nil, ordering: JacobiOrdering = .blockRoundRobin,
                qrPreconditioning: QRPreconditioning = .always,
                preconditioner: QRPreconditioner = .pivotedQRLQ, blockSize: Int = 0, innerMaxSweeps: Int = 12,
                parallelWorkThreshold: Int = 1 << 15, rightVectors: JacobiRightVectors = .recovered,
                mixedPrecision: Bool = true, sigmaRefinement: Bool = true,
                refinement: JacobiRefinement = .automatic, gramSteps: Int = 2, gramCoupling: Double = 1e-3,
                firstPhaseTolerance: Double? = nil) {
        self.maxSweeps = maxSweeps
        self.tolerance = tolerance
        self.ordering = ordering
        self.qrPreconditioning = qrPreconditioning
        self.preconditioner = preconditioner
        self.blockSize = blockSize
        self.innerMaxSweeps = innerMaxSweeps
        self.parallelWorkThreshold = parallelWorkThreshold
        self.rightVectors = rightVectors
        self.mixedPrecision = mixedPrecision
        self.sigmaRefinement = sigmaRefinement
        self.refinement = refinement
        self.gramSteps = gramSteps
        self.gramCoupling = gramCoupling
        self.firstPhaseTolerance = firstPhaseTolerance
    }

    /// The rotation threshold for columns of length `len` in precision T.
    func threshold<T: LinalgScalar>(length len: Int, _: T.Type) -> Double {
        tolerance ?? T.machineEpsilon * Double(Swift.max(len, 1)).squareRoot()
    }
}
