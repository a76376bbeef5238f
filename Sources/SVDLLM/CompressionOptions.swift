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
    /// Update methods: fit W_u on the first this-many calibration windows only (nil = all of them). The official
    /// code's `--updating_nsamples` (16 in its scripts; the same seeded sampler, so its update windows are the
    /// first 16 of the profiling windows).
    public var updateSamples: Int?
    /// Methods with a dense profile (asvd, whiten, whiten+update): factor block i on a background thread while
    /// the calling thread profiles block i + 1 (the dense stream runs on the uncompressed model, so it does not
    /// wait for block i's factors). The factors are applied, reported and checkpointed in block order on the
    /// calling thread, and are bit-identical to the sequential schedule (false). At most one block lags, so peak
    /// memory holds two blocks' Grams instead of one (plus, for whiten+update, block i's propagated Grams). The
    /// background factorization uses ``parallelism`` too, sharing the cores with the profiling by time slicing.
    /// Off by default: on the 2-core Zen 3 host, measured back to back on a quiet machine, the overlapped
    /// `compress --method whiten --ratio 0.2` took 181.2 s (189 % CPU, 337 user-seconds) against 176.6 s sequential
    /// (184 %, 320 user-seconds): the idle time it fills is eaten by the time slicing (cache refills), so it stays
    /// an opt-in experiment.
    public var overlapFactorization: Bool
    /// How each matrix's rank follows from ``ratio``: the paper's uniform rule (default) or ASVD's sensitivity
    /// search.
    public var rankAllocation: RankAllocation
    /// ``RankAllocation/sensitivity``: the perplexities are measured on this many calibration windows (the first
    /// ones). Each costs 9 × (matrices) partial forward passes: about 20 minutes per window for SmolLM2-135M on
    /// 2 cores.
    public var sensitivityWindows: Int
    /// ``RankAllocation/sensitivity``: a list measured before (an earlier run's ``CompressionReport/sensitivities``,
    /// same model, method, calibration and windows) to search on instead of measuring it again; the list depends
    /// on neither the ratio nor the update.
    public var sensitivities: [TruncationSensitivity]?

    public init(method: CompressionMethod, ratio: Double, svd: TruncationSVD = .jacobi, asvdAlpha: Double = 0.5,
                parallelism: Parallelism = .serial, updateSamples: Int? = nil, overlapFactorization: Bool = false,
                rankAllocation: RankAllocation = .uniform, sensitivityWindows: Int = 1) {
        self.method = method
        self.ratio = ratio
        self.svd = svd
        self.asvdAlpha = asvdAlpha
        self.parallelism = parallelism
        self.updateSamples = updateSamples
        self.overlapFactorization = overlapFactorization
        self.rankAllocation = rankAllocation
        self.sensitivityWindows = sensitivityWindows
    }

    /// Throws unless 0 < ratio < 1, α > 0 and the update windows (when given) number at least 1.
    public func validate() throws(CompressionError) {
        guard ratio.isFinite, ratio > 0, ratio < 1 else {
            throw .invalidArgument(name: "--ratio", reason: "must be in (0, 1), got \(ratio)")
        }
        guard asvdAlpha.isFinite, asvdAlpha > 0 else {
            throw .invalidArgument(name: "asvdAlpha", reason: "must be > 0, got \(asvdAlpha)")
        }
        guard sensitivityWindows >= 1 else {
            throw .invalidArgument(name: "--sensitivity-windows", reason: "must be at least 1, got \(sensitivityWindows)")
        }
        if let n = updateSamples, n < 1 {
            throw .invalidArgument(name: "--update-nsamples", reason: "must be at least 1, got \(n)")
        }
    }
}
