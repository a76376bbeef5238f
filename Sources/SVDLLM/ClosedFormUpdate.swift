import Factorizations
import GEMM
import LinearAlgebraCore

/// SVD-LLM's layer-wise closed-form update of W_u: with W_v fixed, the least-squares fit of the dense layer's
/// outputs on the inputs X the compressed model really feeds it (propagated through the earlier compressed
/// layers),
///
///     W_u = argmin_U ‖X W_vᵀ Uᵀ − X Wᵀ‖_F.
///
/// The official code solves this `lstsq` on all tokens. Only XᵀX enters it: with XᵀX = L Lᵀ (Cholesky,
/// regularized if needed) ‖X M‖_F = ‖Lᵀ M‖_F for every M, so the same minimizer solves the small problem
///
///     min_U ‖(Lᵀ W_vᵀ) Uᵀ − Lᵀ Wᵀ‖_F        (in × r against in × out, by Householder QR),
///
/// which costs O(in²·(r + out)) instead of O(tokens·in·r) and never forms the normal equations.
///
/// - Parameters: w out × in (the dense weight), v r × in (W_v), gram in × in (Σ XᵀX of the propagated inputs).
/// - Returns: W_u, out × r, and the regularization report of the Cholesky.
public func closedFormUpdate(weight w: Matrix<Double>, v: Matrix<Double>, gram: Matrix<Double>, layer: Int,
                             name: String, parallelism: Parallelism = .serial)
    throws(CompressionError) -> (u: Matrix<Double>, regularization: RegularizationReport) {
    let chol: RegularizedCholesky<Double>
    do { chol = try RegularizedCholesky(gram, params: whiteningRegularization, parallelism: parallelism) } catch {
        throw .numerical(layer: layer, name: name, reason: "Cholesky of the propagated Gram failed: \(error)")
    }
    let l = chol.l  // in × in, lower
    let m = matmul(l, v, transA: .transposed, transB: .transposed, parallelism: parallelism)  // in × r
    let rhs = matmul(l, w, transA: .transposed, transB: .transposed, parallelism: parallelism)  // in × out
    let ut: Matrix<Double>  // r × out
    do {
        let qr = HouseholderQR(m, parallelism: parallelism)
        ut = try qr.solveLeastSquares(rhs, parallelism: parallelism)
    } catch {
        throw .numerical(layer: layer, name: name, reason: "least-squares update failed: \(error)")
    }
    return (ut.transposed(), chol.report)
}
