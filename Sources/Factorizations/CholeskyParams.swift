import LinearAlgebraCore

/// Tunables of the blocked Cholesky. Tests override them (tiny blocks) to reach every edge path.
public struct CholeskyParams: Sendable, Equatable {
    /// Columns per panel; the diagonal block (blockSize × blockSize) is factored by the unblocked kernel.
    public var blockSize: Int
    /// The triangular solve used for the panel below the diagonal block.
    public var triangularSolve: TriangularSolveParams

    public init(blockSize: Int = CholeskyParams.defaultBlockSize,
                triangularSolve: TriangularSolveParams = .default) {
        precondition(blockSize >= 1, "CholeskyParams: blockSize must be ≥ 1")
        self.blockSize = blockSize
        self.triangularSolve = triangularSolve
    }

    /// The largest multiple of 32 whose diagonal block of Doubles fits in a quarter of L2, clamped to 64…256
    /// (128 for a 512 KiB L2).
    public static let defaultBlockSize: Int = {
        let fit = Int((Double(CPUInfo.host.l2Bytes) / 4 / 8).squareRoot()) / 32 * 32
        return Swift.min(256, Swift.max(64, fit))
    }()

    public static let `default` = CholeskyParams()
}
