/// How a run chooses each matrix's rank for a compression ratio R.
public enum RankAllocation: String, Sendable, CaseIterable, Codable {
    /// The SVD-LLM paper's rule for every matrix: r = ⌊m·n·(1 − R)/(m + n)⌋ (``truncationRank(rows:cols:ratio:)``).
    case uniform
    /// ASVD's sensitivity-based truncation rank search (STRS): each matrix is truncated alone to each kept
    /// fraction p ∈ {0.1, …, 0.9} of its parameters and the calibration perplexity measured
    /// (``TruncationSensitivity``); the least harmful candidates are then taken until the parameter budget
    /// (1 − R)·Σ m·n is met, and a matrix none of whose candidates is taken stays dense
    /// (``sensitivityRanks(_:shapes:ratio:)``).
    case sensitivity
    /// A global allocation from the whitened spectra alone: every matrix's spectrum of W·S is computed first
    /// (values only, on the dense profiles), then the ranks minimizing the normalized sum of truncation losses
    /// Σ_W Σ_{k>r_W} σ_k²/c_W within the budget (1 − R)·Σ m·n are chosen greedily by gain per parameter
    /// (``lossRanks(_:ratio:normalization:scope:minRankFraction:maxRankFraction:)``); whitening methods only.
    case loss
}

/// ASVD's candidate kept fractions of a matrix's parameters: 0.1, 0.2, …, 0.9.
public let sensitivityFractions: [Double] = (1...9).map { Double($0) / 10 }
