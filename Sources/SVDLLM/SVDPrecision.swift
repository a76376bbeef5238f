/// The precision the SVD of W·S runs in (``CompressionOptions/svdPrecision``). W·S is formed in Double either way,
/// and the factors W_u = U_r Σ_r^½, W_v = Σ_r^½ V_rᵀ S⁻¹ are made in Double from the SVD's U_r, Σ, V_r.
///
/// - `double`: the SVD of W·S in Double.
/// - `float`: the SVD of W·S rounded to Float, in Float (the Float kernels run at twice the Double ones' flops per
///   cycle); U_r and V_r then carry errors of order ε_Float/gap, and σ an absolute error of order ε_Float·σ₁
///   (the bidiagonal and Jacobi SVDs recompute the kept σᵢ as uᵢᵀ(W·S)vᵢ in Double when σ₁/σ_k > 10, see
///   ``BidiagonalSVDParams/sigmaRefinement``). The official SVD-LLM code takes this SVD in fp32.
public enum SVDPrecision: String, Sendable, CaseIterable, Codable {
    case double = "f64"
    case float = "f32"
}
