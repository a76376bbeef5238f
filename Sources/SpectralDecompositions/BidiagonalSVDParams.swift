/// Tunables of the bidiagonal SVD (``SVDAlgorithm/bidiagonal``). Defaults suit production; tests override them
/// (tiny blocks and leaves, a large deflation tolerance) to reach every path.
public struct BidiagonalSVDParams: Sendable, Equatable {
    /// Columns per panel of the blocked Golub–Kahan bidiagonalization (nb of LAPACK's gebrd/labrd); ≥ 1.
    /// The trailing update after each panel is two GEMMs of inner dimension nb.
    public var blockSize: Int
    /// Bidiagonals of at most this order are solved by implicit-shift QR (also the leaves of divide and
    /// conquer); larger ones by divide and conquer when vectors are wanted. ≥ 2.
    public var leafSize: Int
    /// Divide and conquer deflates zᵢ with |zᵢ| ≤ tol and merges poles closer than tol, where
    /// tol = deflationTolerance·ε·max(max dᵢ, max |zᵢ|) (ε of Double: the bidiagonal SVD runs in Double).
    public var deflationTolerance: Double
    /// QR (m ≥ qrRatio·n) or LQ (n ≥ qrRatio·m) first, then the bidiagonalization of the square triangle.
    public var qrRatio: Double
    /// Implicit-shift QR: at most maxIterationFactor·n² inner steps before ``SVDError/noConvergence(sweeps:)``.
    public var maxIterationFactor: Int
    /// Householder block size of the back-transformation of U and V (reflectors per compact-WY block); ≥ 1.
    public var backTransformBlock: Int
    /// Float input with vectors and σ₁/σ_k > 10: σᵢ recomputed as uᵢᵀ A vᵢ in Double (one Double GEMM), as
    /// ``JacobiParams/sigmaRefinement`` does for Jacobi.
    public var sigmaRefinement: Bool

    public init(blockSize: Int = 32, leafSize: Int = 25, deflationTolerance: Double = 8, qrRatio: Double = 1.6,
                maxIterationFactor: Int = 6, backTransformBlock: Int = 64, sigmaRefinement: Bool = true) {
        precondition(blockSize >= 1 && leafSize >= 2 && backTransformBlock >= 1 && deflationTolerance > 0,
                     "BidiagonalSVDParams: blockSize ≥ 1, leafSize ≥ 2, backTransformBlock ≥ 1, tolerance > 0")
        self.blockSize = blockSize
        self.leafSize = leafSize
        self.deflationTolerance = deflationTolerance
        self.qrRatio = qrRatio
        self.maxIterationFactor = maxIterationFactor
        self.backTransformBlock = backTransformBlock
        self.sigmaRefinement = sigmaRefinement
    }
}
