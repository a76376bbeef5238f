/// How each linear layer W (out × in) becomes W_u·W_v.
public enum CompressionMethod: String, Sendable, CaseIterable, Codable {
    /// Plain truncated SVD of W (baseline).
    case svd
    /// ASVD: SVD of W·diag(s), s_j = (mean_t |x_tj|)^α (α = 0.5), then W_v ← W_v·diag(s)⁻¹ (baseline).
    case asvd
    /// SVD-LLM step 1, truncation-aware whitening: SVD of W·S with S = chol(XᵀX); W_v ← W_v·S⁻¹.
    case whiten
    /// SVD-LLM step 2: whitening, then the closed-form update of W_u on inputs propagated through the already
    /// compressed layers.
    case whitenUpdate = "whiten+update"
    /// SVD-LLM step 3: the closed-form update on plain SVD factors (no whitening).
    case update

    /// Whether the method reads the dense model's input statistics (Gram matrices / absolute means).
    public var needsDenseProfile: Bool { self == .asvd || self == .whiten || self == .whitenUpdate }
    /// Whether the method re-solves W_u on inputs propagated through the compressed layers.
    public var updatesU: Bool { self == .whitenUpdate || self == .update }
}
