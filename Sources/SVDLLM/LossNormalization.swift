/// How ``lossRanks(_:ratio:normalization:scope:minRankFraction:maxRankFraction:)`` weighs one matrix's truncation loss
/// against another's. Matrix W (out × in) under whitening S dropping its k-th singular value σ_k of W·S adds σ_k²
/// to the per-token output loss ‖(W − W_u W_v)Xᵀ‖_F²/N (SVD-LLM, Wang et al. 2024, Theorem 3.2); the greedy
/// minimizes Σ_W (Σ_{k>r_W} σ_k²) / c_W with c_W:
public enum LossNormalization: String, Sendable, CaseIterable, Codable {
    /// c_W = 1: the raw output losses, added across matrices as they are.
    case raw
    /// c_W = ‖W·S‖_F² (= ‖W Xᵀ‖_F²/N): each matrix's loss relative to its own output energy.
    case relative
    /// c_W = Σ ‖W′·S′‖_F² over the matrices W′ of W's decoder layer.
    case layer
    /// c_W = Σ ‖W′·S′‖_F² over the matrices W′ of W's kind (the same linear name) in every layer.
    case type
}
