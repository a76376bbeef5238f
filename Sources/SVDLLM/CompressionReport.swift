/// What happened to one linear layer.
public struct MatrixReport: Sendable, Codable, Equatable {
    public var layer: Int
    public var name: String
    public var rows: Int
    public var cols: Int
    public var rank: Int
    /// Σ dropped σᵢ² of W·S (per calibration token for whitening): the predicted output loss.
    public var predictedLoss: Double
    /// ‖(W − W_u W_v) X‖_F² / tokens measured on the dense model's calibration inputs (nil without a profile).
    public var measuredLoss: Double?
    /// Pivots the regularized Cholesky shifted (whitening / update), and their total shift.
    public var shiftedPivots: Int
    public var totalShift: Double
    /// Singular values of W·S (descending; empty unless spectra were requested).
    public var singularValues: [Double]
    /// The SVD in Float against the SVD in Double (``Compressor/checksSVDPrecision``; nil otherwise).
    public var svdPrecisionCheck: SVDPrecisionCheck?

    public init(layer: Int, name: String, rows: Int, cols: Int, rank: Int, predictedLoss: Double,
                measuredLoss: Double?, shiftedPivots: Int, totalShift: Double, singularValues: [Double]) {
        self.layer = layer
        self.name = name
        self.rows = rows
        self.cols = cols
        self.rank = rank
        self.predictedLoss = predictedLoss
        self.measuredLoss = measuredLoss
        self.shiftedPivots = shiftedPivots
        self.totalShift = totalShift
        self.singularValues = singularValues
    }
}

/// Seconds per phase of a compression run: each phase's own wall-clock time.
public struct PhaseTimes: Sendable, Codable, Equatable {
    public var calibration = 0.0
    public var profiling = 0.0
    public var factorization = 0.0
    public var update = 0.0
    public var writing = 0.0
    /// ``RankAllocation/sensitivity``: the sensitivity pass (its dense profiling included; nil for uniform ranks).
    public var sensitivity: Double?
    /// ``RankAllocation/loss``: the spectra of W·S (whitening and values-only SVDs) and the greedy, without the
    /// profiling (nil for the other allocations).
    public var allocation: Double?
    /// Wall time: the phases' sum.
    public var total: Double {
        calibration + profiling + factorization + update + writing + (sensitivity ?? 0) + (allocation ?? 0)
    }
    public init() {}
}

/// Parameter counts before and after.
public struct ParameterCounts: Sendable, Codable, Equatable {
    public var decoderLinearsBefore: Int
    public var decoderLinearsAfter: Int
    public var modelBefore: Int
    public var modelAfter: Int

    public init(decoderLinearsBefore: Int, decoderLinearsAfter: Int, modelBefore: Int, modelAfter: Int) {
        self.decoderLinearsBefore = decoderLinearsBefore
        self.decoderLinearsAfter = decoderLinearsAfter
        self.modelBefore = modelBefore
        self.modelAfter = modelAfter
    }
}

/// The summary of a run.
public struct CompressionReport: Sendable, Codable, Equatable {
    public var method: String
    public var ratio: Double
    public var svd: String
    public var nsamples: Int
    public var seqlen: Int
    public var seed: UInt64
    public var calibrationTokens: Int
    public var parameters: ParameterCounts
    public var seconds: PhaseTimes
    public var matrices: [MatrixReport]
    /// Layers loaded from a resumed run instead of being recomputed.
    public var resumedLayers: Int
    /// Whether the dense profile came from the cache.
    public var profileFromCache: Bool
    /// Update methods: how many of the windows the update was fitted on (nil for the other methods).
    public var updateSamples: Int?
    /// Update methods: where the update windows came from: "calibration" (the first `updateSamples` calibration
    /// windows) or "token-windows" (``TokenWindowSampler``, the official code's `get_loaders`).
    public var updateSampler: String?
    /// "uniform", "sensitivity" or "loss" (``RankAllocation``); nil in reports written before the choice existed.
    public var rankAllocation: String?
    /// ``RankAllocation/sensitivity``: the sensitivity list the ranks were searched on, and its window count.
    public var sensitivities: [TruncationSensitivity]?
    public var sensitivityWindows: Int?
    /// Matrices left dense by the rank search (none with uniform ranks).
    public var denseMatrices: [MatrixKey]?
    /// ``RankAllocation/loss``: the normalization, the budget ⌊(1 − R)·Σ m·n⌋ and the weights allocated
    /// (``LossAllocation``).
    public var lossNormalization: String?
    public var budgetScope: String?
    public var parameterBudget: Int?
    public var allocatedParameters: Int?

    public init(method: String, ratio: Double, svd: String, nsamples: Int, seqlen: Int, seed: UInt64,
                calibrationTokens: Int, parameters: ParameterCounts, seconds: PhaseTimes, matrices: [MatrixReport],
                resumedLayers: Int, profileFromCache: Bool) {
        self.method = method
        self.ratio = ratio
        self.svd = svd
        self.nsamples = nsamples
        self.seqlen = seqlen
        self.seed = seed
        self.calibrationTokens = calibrationTokens
        self.parameters = parameters
        self.seconds = seconds
        self.matrices = matrices
        self.resumedLayers = resumedLayers
        self.profileFromCache = profileFromCache
    }
}
