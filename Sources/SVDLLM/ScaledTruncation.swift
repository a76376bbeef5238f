import LinearAlgebraCore
import SpectralDecompositions

/// Rank-r factors of W (out × in) that are optimal under the input scaling S:
///
///     W·S = U Σ Vᵀ,   W_u = U_r Σ_r^½ (out × r),   W_v = Σ_r^½ V_rᵀ S⁻¹ (r × in),
///
/// so W_u·W_v·S is the best rank-r approximation of W·S and the loss ‖(W − W_u W_v)·S‖_F² equals the sum of the
/// dropped σᵢ². With S = I this is the truncated SVD, with S = diag(s) ASVD, with S = chol(XᵀX) SVD-LLM's
/// truncation-aware whitening (the loss is then the output loss ‖(W − W_u W_v)Xᵀ‖_F²).
///
/// - Throws: ``CompressionError/numerical(layer:name:reason:)`` when the SVD fails (named by `layer`, `name`).
public func scaledTruncation(_ w: Matrix<Double>, scaling: InputScaling, rank r: Int, svd: TruncationSVD,
                             layer: Int, name: String, seed: UInt64 = 0,
                             parallelism: Parallelism = .serial) throws(CompressionError) -> LowRankFactors {
    precondition(r >= 1 && r <= Swift.min(w.rows, w.cols), "rank \(r) outside 1...min(m, n)")
    let a = scaling.scale(w, parallelism: parallelism)  // out × in
    let options = SVDOptions(computeVectors: .thin,
                             algorithm: svd.algorithm(rank: r, rows: a.rows, cols: a.cols, seed: seed),
                             parallelism: parallelism)
    let decomposition: SVD<Double>
    do { decomposition = try SVD(a, options: options) } catch {
        throw .numerical(layer: layer, name: name, reason: "SVD of W·S failed: \(error)")
    }
    let (u, s, vt) = decomposition.truncated(rank: r)  // out × r, r, r × in
    let roots = s.map { $0.squareRoot() }
    var wu = u
    for i in 0..<wu.rows { for j in 0..<r { wu.elements[i * r + j] *= roots[j] } }
    var b = vt
    for i in 0..<r { for j in 0..<b.cols { b.elements[i * b.cols + j] *= roots[i] } }
    let wv = scaling.unscale(b, parallelism: parallelism)
    let total = a.elements.reduce(0) { $0 + $1 * $1 }
    let kept = s.reduce(0) { $0 + $1 * $1 }
    let loss: Double
    if decomposition.singularValues.count == Swift.min(a.rows, a.cols) {
        loss = decomposition.singularValues.dropFirst(r).reduce(0) { $0 + $1 * $1 }  // exact tail
    } else {
        loss = Swift.max(0, total - kept)  // randomized: the tail is not computed
    }
    return LowRankFactors(u: wu, v: wv, singularValues: decomposition.singularValues, truncationLoss: loss,
                          regularization: nil)
}
