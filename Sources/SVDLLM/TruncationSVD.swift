import SpectralDecompositions

/// Which SVD factors W·S: `jacobi` (all singular values, to high relative accuracy: the reference),
/// `bidiagonal` (Householder bidiagonalization, then divide and conquer on the bidiagonal: LAPACK gesdd's route,
/// to normwise accuracy, faster on large matrices) or `rsvd` (randomized, top r + oversampling triplets with power
/// iterations: faster, approximate).
public enum TruncationSVD: String, Sendable, CaseIterable, Codable {
    case jacobi
    case bidiagonal
    case rsvd

    /// The algorithm for a rank-r truncation.
    func algorithm(rank r: Int, rows m: Int, cols n: Int, seed: UInt64) -> SVDAlgorithm {
        switch self {
        case .jacobi: return .jacobi
        case .bidiagonal: return .bidiagonal
        case .rsvd:
            let oversampling = Swift.max(0, Swift.min(10, Swift.min(m, n) - r))
            return .randomized(rank: r, oversampling: oversampling, powerIterations: 2, sketch: .gaussian, seed: seed)
        }
    }
}
