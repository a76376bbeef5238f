/// The Cholesky implementations, selectable by name.
public enum CholeskyVariant: String, Sendable, CaseIterable {
    /// Scalar, row by row (up-looking): lᵢⱼ = (aᵢⱼ − Σ_{k<j} lᵢₖ·lⱼₖ)/lⱼⱼ, lᵢᵢ = √(aᵢᵢ − Σ_{k<i} lᵢₖ²),
    /// with SIMD dot products over contiguous rows: the reference.
    case unblocked
    /// Right-looking by panels of `blockSize` columns: the diagonal block by `unblocked`, the panel below by a
    /// triangular solve (A₂₁ ← A₂₁·L₁₁⁻ᵀ), the trailing matrix by a recursive SYRK made of GEMMs
    /// (A₂₂ ← A₂₂ − A₂₁·A₂₁ᵀ, lower triangle).
    case blocked
    /// Recursive halving (faer / Gustavson style): L₁₁ = chol(A₁₁), A₂₁ ← A₂₁·L₁₁⁻ᵀ, A₂₂ −= A₂₁·A₂₁ᵀ,
    /// L₂₂ = chol(A₂₂), down to `recursiveLeaf`. The GEMMs get depths n/2, n/4, … instead of `blockSize`, which
    /// pays off for large n (deeper GEMMs run closer to their peak).
    case recursive
}
