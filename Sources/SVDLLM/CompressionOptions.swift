import LinearAlgebraCore

/// Everything `compress` is told (the `svdllm compress` flags).
public struct CompressionOptions: Sendable {
    public var method: CompressionMethod
    /// R ∈ (0, 1): the fraction of the decoder linears' parameters removed.
    public var ratio: Double
    public var svd: TruncationSVD
    /// ASVD's exponent α in s_j = (mean_t |x_tj|)^α.
    public var asvdAlpha: Double
    /// Threads for the forward passes, the Gram GEMMs and the factorizations.
    public var parallelism: Parallelism

    public init(method: CompressionMethod, ratio: Double, svd: TruncationSVD = .jacobi, asvdAlpha: Double = 0.5,
                parallelism: Parallelism = .serial) {
        self.method = method
        self.ratio = ratio
        self.svd = svd
        self.asvdAlpha = asvdAlpha
        self.parallelism = parallelism
    }

    /// Throws unless 0 < ratio < 1 and α > 0.
    public func validate() throws(CompressionError) {
        guard ratio.isFinite, ratio > 0, ratio < 1 else {
            throw .invalidArgument(name: "--ratio", reason: "must be in (0, 1), got \(ratio)")
        }
        guard asvdAlpha.isFinite, asvdAlpha > 0 else {
            throw .invalidArgument(name: "asvdAlpha", reason: "must be > 0, got \(asvdAlpha)")
        }
    }
}
