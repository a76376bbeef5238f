import Factorizations
import LinearAlgebraCore

/// SVD-LLM's truncation-aware whitening of one input group: S = chol(XᵀX / N), the Cholesky factor of the mean
/// Gram of the N calibration tokens' inputs (regularized when singular, ``whiteningRegularization``).
///
/// With XᵀX = N·S·Sᵀ, ‖W Xᵀ‖_F² = N·‖W S‖_F² for every W, so truncating the SVD of W·S drops exactly the squares
/// of the dropped singular values from the (per-token) output loss.
///
/// - Returns: S (lower triangular) and the report of the pivots the regularization shifted.
/// - Throws: ``CompressionError/nonFinite(layer:name:what:)`` when the Gram holds NaN or ±Inf (`layer`, `name`
///   label the group).
///
/// `stats` is consumed: given without other references, its Gram becomes S in place (one n × n buffer, not three).
func whitening(_ stats: consuming GramAccumulator, layer: Int, name: String)
    throws(CompressionError) -> (scaling: InputScaling, regularization: RegularizationReport) {
    var owned = consume stats
    let g = owned.takeMeanGram()
    do {
        let chol = try RegularizedCholesky(consume g, params: whiteningRegularization, parallelism: .serial)
        return (.lowerTriangular(chol.l), chol.report)
    } catch {
        throw .nonFinite(layer: layer, name: name, what: "the Gram matrix (\(error))")
    }
}

/// XᵀX / N (N = the tokens accumulated, at least 1).
func meanGram(_ stats: GramAccumulator) -> Matrix<Double> {
    var g = stats.gram
    let tokens = Double(Swift.max(1, stats.tokens))
    for k in g.elements.indices { g.elements[k] /= tokens }
    return g
}

/// The pivot policy of the whitening and update Choleskys: pivots ≤ √ε·max(diag G) are replaced by that value.
///
/// A Gram of fewer distinct inputs than columns (layer 0 sees only the calibration's distinct tokens) is
/// singular; its Schur complements are then rounding noise δ ≈ n·ε·‖G‖. With a replacement θ below δ (the
/// library default n·ε·max diag) the next Schur complement grows like δ²/θ and the factor overflows; with
/// θ = √ε·max diag ≫ δ it stays bounded, and the shifts are still far below any kept direction's variance.
let whiteningRegularization = RegularizationParams(relativeThreshold: Double.ulpOfOne.squareRoot())
