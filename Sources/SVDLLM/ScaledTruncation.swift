import GEMM
import LinearAlgebraCore
import SpectralDecompositions

/// Rank-r factors of W (out × in) that are optimal under the input scaling S:
///
///     W·S = U Σ Vᵀ,   W_u = U_r Σ_r^½ (out × r),   W_v = Σ_r^½ V_rᵀ S⁻¹ (r × in),
///
/// so W_u·W_v·S is the best rank-r approximation of W·S and the loss ‖(W − W_u W_v)·S‖_F² equals the sum of the
/// dropped σᵢ². With S = I this is the truncated SVD, with S = diag(s) ASVD, with S = chol(XᵀX) SVD-LLM's
/// truncation-aware whitening (the loss is then the output loss ‖(W − W_u W_v)Xᵀ‖_F²). `precision`: the SVD in
/// Double or in Float (``SVDPrecision``).
///
/// - Throws: ``CompressionError/numerical(layer:name:reason:)`` when the SVD fails (named by `layer`, `name`).
public func scaledTruncation(_ w: consuming Matrix<Double>, scaling: InputScaling, rank r: Int, svd: TruncationSVD,
                             precision: SVDPrecision = .double, layer: Int, name: String, seed: UInt64 = 0,
                             parallelism: Parallelism = .serial) throws(CompressionError) -> LowRankFactors {
    precondition(r >= 1 && r <= Swift.min(w.rows, w.cols), "rank \(r) outside 1...min(m, n)")
    let scaled = try ScaledSVD(consume w, scaling: scaling, svd: svd, precision: precision, rank: r,
                               leadingVectorsOnly: true, layer: layer, name: name, seed: seed, parallelism: parallelism)
    return scaled.truncated(rank: r, parallelism: parallelism)
}

/// The SVD of W·S under an input scaling, kept so that several ranks can be cut from one decomposition
/// (``truncated(rank:parallelism:)``; ASVD's sensitivity search tries nine).
public struct ScaledSVD: Sendable {
    public let scaling: InputScaling
    /// W·S = U Σ Vᵀ: σ descending (all of them for `jacobi` and `bidiagonal`; the top rank + oversampling for
    /// `rsvd`), in Double whatever the SVD's precision.
    public let singularValues: [Double]
    /// out × c: the leading c left singular vectors (c = the rank with `leadingVectorsOnly`, else every computed one).
    public let u: Matrix<Double>
    /// c × in: the leading c right singular vectors, as rows.
    public let vt: Matrix<Double>
    /// ‖W·S‖_F².
    public let totalSquares: Double
    let complete: Bool

    /// - Parameter precision: the SVD in Double, or in Float on W·S rounded to Float (``SVDPrecision``).
    /// - Parameter rank: the rank the randomized SVD aims at (ignored by `jacobi` and `bidiagonal`, which compute
    ///   every singular value).
    /// - Parameter leadingVectorsOnly: keep only the leading `rank` singular vectors (``SVDOptions/leadingVectors``:
    ///   the bidiagonal SVD then back-transforms only those); ``truncated(rank:)`` can then cut at most `rank`.
    /// - Throws: ``CompressionError/numerical(layer:name:reason:)`` when the SVD fails (named by `layer`, `name`).
    ///
    /// `w` is consumed: given up by the caller, it is freed once W·S is formed, before the SVD runs.
    public init(_ w: consuming Matrix<Double>, scaling: InputScaling, svd: TruncationSVD,
                precision: SVDPrecision = .double, rank r: Int, leadingVectorsOnly: Bool = false, layer: Int,
                name: String, seed: UInt64 = 0, parallelism: Parallelism = .serial) throws(CompressionError) {
        let a = scaling.scale(w, parallelism: parallelism)  // out × in
        _ = consume w
        totalSquares = a.elements.reduce(0) { $0 + $1 * $1 }
        let options = SVDOptions(computeVectors: .thin,
                                 algorithm: svd.algorithm(rank: r, rows: a.rows, cols: a.cols, seed: seed),
                                 parallelism: parallelism, leadingVectors: leadingVectorsOnly ? r : nil)
        let k = Swift.min(a.rows, a.cols)
        do {
            switch precision {
            case .double:
                let d = try SVD(consume a, options: options)
                (singularValues, u, vt) = (d.singularValues, d.u!, d.vt!)
            case .float:
                let f = try SVD(a.converted(to: Float.self), options: options)
                _ = consume a
                (singularValues, u, vt) = (f.singularValues.map(Double.init), f.u!.converted(to: Double.self),
                                           f.vt!.converted(to: Double.self))
            }
        } catch {
            throw .numerical(layer: layer, name: name, reason: "SVD of W·S failed: \(error)")
        }
        self.scaling = scaling
        complete = singularValues.count == k
    }

    /// W_u = U_r Σ_r^½ (out × r) and W_v = Σ_r^½ V_rᵀ S⁻¹ (r × in), with the truncation loss Σ_{i>r} σᵢ² (exact
    /// tail), or ‖W·S‖_F² − Σ_{i≤r} σᵢ² when the SVD is randomized and the tail was not computed.
    public func truncated(rank r: Int, parallelism: Parallelism = .serial) -> LowRankFactors {
        precondition(r >= 0 && r <= u.cols, "ScaledSVD.truncated: rank \(r) not in 0...\(u.cols)")
        let roots = singularValues.prefix(r).map { $0.squareRoot() }
        var wu = u.submatrix(rows: 0..<u.rows, cols: 0..<r)  // out × r
        for i in 0..<wu.rows { for j in 0..<r { wu.elements[i * r + j] *= roots[j] } }
        var b = vt.submatrix(rows: 0..<r, cols: 0..<vt.cols)  // r × in
        for i in 0..<r { for j in 0..<b.cols { b.elements[i * b.cols + j] *= roots[i] } }
        let wv = scaling.unscale(b, parallelism: parallelism)
        let loss: Double
        if complete {
            loss = singularValues.dropFirst(r).reduce(0) { $0 + $1 * $1 }  // exact tail
        } else {
            loss = Swift.max(0, totalSquares - singularValues.prefix(r).reduce(0) { $0 + $1 * $1 })  // randomized: no tail
        }
        return LowRankFactors(u: wu, v: wv, singularValues: singularValues, truncationLoss: loss, regularization: nil)
    }
}
