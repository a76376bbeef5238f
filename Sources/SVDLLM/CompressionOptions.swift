import GEMM
import LinearAlgebraCore

/// What a ``Compressor`` run is told (the CLI's `svdllm compress` flags map onto these fields).
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
    /// How each matrix's rank follows from ``ratio``: the paper's uniform rule (default) or ASVD's sensitivity
    /// search.
    public var rankAllocation: RankAllocation
    /// ``RankAllocation/sensitivity``: the perplexities are measured on this many calibration windows (the first
    /// ones). Each costs 9 × (matrices) partial forward passes through the blocks after the matrix.
    public var sensitivityWindows: Int
    /// ``RankAllocation/sensitivity``: a list measured before (an earlier run's ``CompressionReport/sensitivities``,
    /// same model, method, calibration and windows) to search on instead of measuring it again; the list depends
    /// on neither the ratio nor the update.
    public var sensitivities: [TruncationSensitivity]?
    /// ``RankAllocation/loss``: how the matrices' losses are weighed against each other.
    public var lossNormalization: LossNormalization = .relative
    /// ``RankAllocation/loss``: one budget for all matrices, or one per kind of linear.
    public var budgetScope: BudgetScope = .global
    /// ``RankAllocation/loss``: every matrix keeps a rank in [⌈min·k⌉, ⌊max·k⌋], k = min(m, n).
    public var minRankFraction: Double = 0
    public var maxRankFraction: Double = 1
    /// Compress only these decoder layers (nil = all): the run stops after the last one, its layers saved in the
    /// checkpoint, for another run (`--resume`, or a join of several ranges) to complete. Layers before the range
    /// only advance the hidden-state streams; the update methods need the earlier layers' factors in the checkpoint.
    public var layers: Range<Int>?
    /// How the profiles' Grams XᵀX are accumulated (``GramAccumulator/accumulation``): in Double throughout, or
    /// each slab of KC tokens in Float and the slabs summed in Double.
    public var gramAccumulation: SYRKAccumulation = .double
    /// The precision of the SVD of W·S (``SVDPrecision``).
    public var svdPrecision: SVDPrecision = .double

    public init(method: CompressionMethod, ratio: Double, svd: TruncationSVD = .bidiagonal, asvdAlpha: Double = 0.5,
                parallelism: Parallelism = .serial, updateSamples: Int? = nil,
                rankAllocation: RankAllocation = .uniform, sensitivityWindows: Int = 1) {
        self.method = method
        self.ratio = ratio
        self.svd = svd
        self.asvdAlpha = asvdAlpha
        self.parallelism = parallelism
        self.updateSamples = updateSamples
        self.rankAllocation = rankAllocation
        self.sensitivityWindows = sensitivityWindows
    }

    /// Throws unless 0 < ratio < 1, α > 0, at least one sensitivity window, (when given) at least one update
    /// window, 0 ≤ minRankFraction ≤ maxRankFraction ≤ 1 and, for the loss allocation, a whitening method; errors
    /// name the field.
    public func validate() throws(CompressionError) {
        guard ratio.isFinite, ratio > 0, ratio < 1 else {
            throw .invalidArgument(name: "ratio", reason: "must be in (0, 1), got \(ratio)")
        }
        guard asvdAlpha.isFinite, asvdAlpha > 0 else {
            throw .invalidArgument(name: "asvdAlpha", reason: "must be > 0, got \(asvdAlpha)")
        }
        guard sensitivityWindows >= 1 else {
            throw .invalidArgument(name: "sensitivityWindows", reason: "must be at least 1, got \(sensitivityWindows)")
        }
        if let r = layers, r.isEmpty || r.lowerBound < 0 {
            throw .invalidArgument(name: "layers", reason: "must be a non-empty range of layer indices, got \(r)")
        }
        if layers != nil, rankAllocation != .uniform {
            throw .invalidArgument(name: "layers", reason: "the \(rankAllocation.rawValue) rank allocation covers all layers at once; use uniform ranks with a layer range")
        }
        if rankAllocation == .loss, method != .whiten, method != .whitenUpdate {
            throw .invalidArgument(name: "rankAllocation", reason: "loss needs a whitening method (whiten or whiten+update), got \(method.rawValue)")
        }
        try checkRankFractions(min: minRankFraction, max: maxRankFraction)
        if let n = updateSamples, n < 1 {
            throw .invalidArgument(name: "updateSamples", reason: "must be at least 1, got \(n)")
        }
    }
}
