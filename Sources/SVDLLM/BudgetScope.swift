/// Over which matrices ``lossRanks(_:ratio:normalization:scope:minRankFraction:maxRankFraction:)`` spends the
/// parameter budget (1 − R)·Σ m·n.
public enum BudgetScope: String, Sendable, CaseIterable, Codable {
    /// One budget for all decoder matrices: ranks move between kinds of linears and between layers.
    case global
    /// One budget per kind of linear (q_proj, …, down_proj: (1 − R)·Σ m·n over that kind's matrices), spent over
    /// the layers: each kind keeps the paper's share, only its distribution over the layers changes (as SVD-LLM v2,
    /// Wang et al. 2025, allocates within each type of weight matrix).
    case type
}
