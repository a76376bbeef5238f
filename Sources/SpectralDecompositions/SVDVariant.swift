/// The SVD implementations, selectable by name (`svdllm bench svd --variant NAME`).
///
/// `jacobi` is the reference every other variant is tested against.
public enum SVDVariant: String, Sendable, CaseIterable {
    case jacobi
    case jacobiBlocked = "jacobi-blocked"
    case rsvdGaussian = "rsvd-gaussian"
    case rsvdSRFT = "rsvd-srft"
    case bidiagonal

    /// The algorithm this name stands for; `rank` etc. are used by the randomized variants only.
    public func algorithm(rank: Int, oversampling: Int = 10, powerIterations: Int = 2,
                          seed: UInt64 = 0, mixedPrecisionRange: Bool = true) -> SVDAlgorithm {
        switch self {
        case .jacobi: return .jacobi
        case .jacobiBlocked: return .jacobiBlocked
        case .bidiagonal: return .bidiagonal
        case .rsvdGaussian:
            return .randomized(rank: rank, oversampling: oversampling, powerIterations: powerIterations,
                               sketch: .gaussian, seed: seed, mixedPrecisionRange: mixedPrecisionRange)
        case .rsvdSRFT:
            return .randomized(rank: rank, oversampling: oversampling, powerIterations: powerIterations,
                               sketch: .srft, seed: seed, mixedPrecisionRange: mixedPrecisionRange)
        }
    }

    /// Whether the variant computes all min(m, n) singular values (the Jacobi ones) or only a top rank.
    public var isRandomized: Bool { self == .rsvdGaussian || self == .rsvdSRFT }
}
