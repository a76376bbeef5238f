/// The Jacobi rotation that makes two columns orthogonal.
///
/// For columns x, y with α = ‖x‖², β = ‖y‖², γ = x·y, the rotation
/// [x′ y′] = [x y]·[[c, s], [−s, c]] gives x′·y′ = 0 when t = s/c is the smaller root of
/// t² + 2ζt − 1 = 0, ζ = (β − α)/(2γ) (Rutishauser): t = sign(ζ)/(|ζ| + √(1 + ζ²)), c = 1/√(1 + t²), s = c·t.
/// Then ‖x′‖² = α − tγ and ‖y′‖² = β + tγ. Computed in Double for both precisions.
struct PlaneRotation {
    let c: Double
    let s: Double
    let t: Double

    /// The rotation for (α, β, γ), γ ≠ 0.
    init(alpha: Double, beta: Double, gamma: Double) {
        let zeta = (beta - alpha) / (2 * gamma)
        let t: Double
        if abs(zeta) > 1e150 || !zeta.isFinite {
            // √(1 + ζ²) would overflow; t ≈ 1/(2ζ).
            t = zeta.isFinite ? 0.5 / zeta : 0
        } else {
            t = (zeta >= 0 ? 1.0 : -1.0) / (abs(zeta) + (1 + zeta * zeta).squareRoot())
        }
        let c = 1 / (1 + t * t).squareRoot()
        self.c = c
        self.s = c * t
        self.t = t
    }

    /// Whether columns with these Gram entries are not yet orthogonal to within `tol`:
    /// |γ| > tol·√α·√β (square roots taken separately so that tiny columns do not underflow).
    @inline(__always)
    static func needed(alpha: Double, beta: Double, gamma: Double, tol: Double) -> Bool {
        alpha > 0 && beta > 0 && abs(gamma) > tol * alpha.squareRoot() * beta.squareRoot()
    }
}
