import LinearAlgebraCore

/// Tunables of the blocked Cholesky. Tests override them (tiny blocks) to reach every edge path.
public struct CholeskyParams: Sendable, Equatable {
    /// Columns per panel; the diagonal block (blockSize × blockSize) is factored by the unblocked kernel.
    public var blockSize: Int
    /// Order at or below which the recursive variant stops splitting and runs the unblocked kernel.
    public var recursiveLeaf: Int
    /// The triangular solve used for the panel below the diagonal block.
    public var triangularSolve: TriangularSolveParams

    public init(blockSize: Int = CholeskyParams.defaultBlockSize, recursiveLeaf: Int = 64,
                triangularSolve: TriangularSolveParams = .default) {
        precondition(blockSize >= 1 && recursiveLeaf >= 1, "CholeskyParams: blockSize must be ≥ 1")
        self.blockSize = blockSize
        self.recursiveLeaf = recursiveLeaf
        self.triangularSolve = triangularSolve
    }

    /// √(L2 / 16 bytes) rounded to a multiple of 32 and clamped to 64…256: a diagonal block of Doubles filling
    /// about half of L2 (192 for a 512 KiB L2), so the panel solve and the trailing update reuse it from cache.
    public static let defaultBlockSize: Int = {
        let side = (Double(CPUInfo.host.l2Bytes) / 16).squareRoot()
        return Swift.min(256, Swift.max(64, Int((side / 32).rounded()) * 32))
    }()

    public static let `default` = CholeskyParams()
}
