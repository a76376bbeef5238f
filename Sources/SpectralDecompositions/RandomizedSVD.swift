import GEMM
import LinearAlgebraCore

/// The top-k SVD by the randomized range finder (Halko, Martinsson & Tropp 2011, Alg. 4.4 + 5.1).
///
/// l = min(k + oversampling, min(m, n)). Y = AΩ (Ω n × l, Gaussian or SRFT, seeded); each power iteration
/// Y ← A·orth(Aᵀ·orth(Y)), re-orthonormalizing between the products so rounding does not collapse Y onto the
/// top singular vector (``rangeSketch(_:columns:powerIterations:sketch:seed:orthonormalization:parallelism:)``).
/// Then Q = orth(Y) (m × l), Bᵀ = AᵀQ (n × l; B = QᵀA), Bᵀ = V_B Σ U_Bᵀ by ``jacobiSVD``, U = Q·U_B, V = V_B;
/// the leading k triplets are kept, signed by the ``SVD`` convention on V. orth(·) is Cholesky QR — twice for
/// the final basis, once in between — with fallbacks (``RangeOrthonormalization``).
///
/// Mixed-precision range finder (`mixedPrecisionRange`, Double input only): the sketch and the power iterations
/// — 2q + 1 of the 2q + 2 products with A (2q of them with the SRFT sketch) — run in Float on a Float copy of A,
/// scaled by a power of two so that max |aᵢⱼ| ∈ [1, 2) (entries that would be subnormal in Float, below
/// 2⁻¹²⁶·max |aᵢⱼ|, are flushed to 0). The final orthonormalization's first CholQR pass is in Float too, its
/// second in Double; Bᵀ = AᵀQ, the SVD of B and U = Q·U_B are in Double.
///
/// Why that is enough: the range finder only has to capture span(top-l left singular vectors). Its Float
/// rounding (ε_f32·‖A‖ per product) turns the captured span by an angle θ ≲ c·ε_f32·σ₁/σ_l. Everything after is
/// exact to Double rounding for the span(Q) actually found — U Σ Vᵀ is the SVD of the Double projection QQᵀA —
/// so the singular vectors carry an extra error O(θ) (θ·σ₁/gap for nearly equal σ) and the σᵢ, Rayleigh–Ritz
/// values of AAᵀ on span(Q), only O(θ²·σ₁²/σᵢ). Both are far below the randomized approximation error that
/// k + p and q are chosen for: on the bench matrix (2048², σᵢ = exp(−16i/n), k = n/4, p = k/4, q = 2) the top-k
/// σ error is 2.5·10⁻⁵ with and without it. It is a floor, though: a matrix the Double range finder captures
/// to ~10⁻¹² (exact rank ≤ l, a very fast decay) gets singular vectors accurate to only ≈ ε_f32·σ₁/σ_l (σ stay
/// near Double accuracy, being second order) — set `mixedPrecisionRange` false there. U and V are orthonormal
/// to Double precision either way (the last orthonormalization and the small SVD are in Double). The Float
/// products run at twice the Double GEMM's speed: the whole Double rSVD takes ≈ 0.7 of the all-Double time on
/// the bench matrix (2048², 1 thread; the small Jacobi SVD of B, ≈ 40 % of what is left, is unchanged).
@_specialize(where T == Float)
@_specialize(where T == Double)
func randomizedSVD<T: GEMMScalar>(
    _ a: Matrix<T>, rank k: Int, oversampling p: Int, powerIterations q: Int, sketch: SVDSketch, seed: UInt64,
    mixedPrecisionRange: Bool = true, vectors: Bool, params: JacobiParams, parallelism: Parallelism,
    orthonormalization: RangeOrthonormalization = .automatic
) throws(SVDError) -> SVDParts<T> {
    let (m, n) = (a.rows, a.cols)
    guard k >= 1 && k <= Swift.min(m, n) else {
        throw .invalidArgument(name: "rank", reason: "\(k) is not in 1...min(m, n) = \(Swift.min(m, n))")
    }
    guard p >= 0 else { throw .invalidArgument(name: "oversampling", reason: "\(p) is negative") }
    guard q >= 0 else { throw .invalidArgument(name: "powerIterations", reason: "\(q) is negative") }
    let maxAbs = try finiteMaxAbs(a)
    let e = safeScaleExponent(maxAbs: maxAbs, rows: m, cols: n, T.self)
    let a = e == 0 ? a : a.scaledByPowerOfTwo(e)
    let l = Swift.min(k + p, Swift.min(m, n))

    let basis: Matrix<T>   // m × l, orthonormal columns
    if mixedPrecisionRange, let ad = a as? Matrix<Double> {
        let scaledMax = maxAbs.scaledByPowerOfTwo(e)
        let low = floatCopy(ad, scaledByPowerOfTwo: scaledMax > 0 ? -Int(scaledMax.exponent) : 0)   // m × n
        let y32 = rangeSketch(low, columns: l, powerIterations: q, sketch: sketch, seed: seed,
                              orthonormalization: orthonormalization, parallelism: parallelism)   // m × l
        // CholQR2 split across the precisions: the first pass in Float leaves ‖QᵀQ − I‖ = O(ε_f32·κ(Y)), the
        // second, in Double, O(ε).
        let q32 = orthonormalization.orthonormalize(y32, intermediate: true, parallelism: parallelism)   // m × l
        basis = orthonormalization.orthonormalize(doubleCopy(q32) as! Matrix<T>, intermediate: true,
                                                  parallelism: parallelism)
    } else {
        let y = rangeSketch(a, columns: l, powerIterations: q, sketch: sketch, seed: seed,
                            orthonormalization: orthonormalization, parallelism: parallelism)   // m × l
        basis = orthonormalization.orthonormalize(y, parallelism: parallelism)
    }
    // Bᵀ = AᵀQ (n × l), tall as the Jacobi SVD works on it: Bᵀ = V_B Σ U_Bᵀ.
    let bt = matmul(a, basis, transA: .transposed, parallelism: parallelism)   // n × l
    let small = try jacobiSVD(bt, vectors: vectors, kernel: .scalar, params: params, parallelism: parallelism)
    let s = small.s.prefix(k).map { $0.scaledByPowerOfTwo(-e) }
    guard vectors, let vb = small.u, let ubt = small.vt else {
        return SVDParts(s: s, u: nil, vt: nil, sweeps: small.sweeps)
    }
    var ubRows = Matrix(rows: k, cols: l, elements: Array(ubt.elements.prefix(k * l)))   // k × l: U_B's columns
    var vRows = transposedLeadingColumns(vb, count: k)   // k × n: Vᵀ
    applySignConvention(uRows: &ubRows, vRows: &vRows)   // on V (the Jacobi SVD of Bᵀ signed U_B)
    var u = Matrix<T>(rows: m, cols: k)   // m × k: U = Q·U_B
    basis.withView { qv in
        ubRows.withView { uv in
            u.withMutableView { gemm(.none, qv, .transposed, uv, into: $0, alpha: 1, beta: 0, parallelism: parallelism) }
        }
    }
    return SVDParts(s: s, u: u, vt: vRows, sweeps: small.sweeps)
}

/// The range finder's last sketch Y = (AAᵀ)^q·AΩ (m × l), not yet orthonormalized: Y₀ = AΩ, then q times
/// Y ← A·orth(Aᵀ·orth(Y)) with single-pass (intermediate) orthonormalizations.
@_specialize(where S == Float)
@_specialize(where S == Double)
func rangeSketch<S: GEMMScalar>(
    _ a: Matrix<S>, columns l: Int, powerIterations q: Int, sketch: SVDSketch, seed: UInt64,
    orthonormalization: RangeOrthonormalization, parallelism: Parallelism
) -> Matrix<S> {
    func orth(_ y: Matrix<S>) -> Matrix<S> {
        orthonormalization.orthonormalize(y, intermediate: true, parallelism: parallelism)
    }
    var y: Matrix<S>   // m × l
    switch sketch {
    case .gaussian:
        let omega = gaussianMatrix(rows: a.cols, cols: l, seed: seed, S.self)   // n × l
        y = matmul(a, omega, parallelism: parallelism)
    case .srft:
        y = SRFTSketch.apply(a, columns: l, seed: seed, parallelism: parallelism)
    }
    for _ in 0..<q {
        let z = orth(matmul(a, orth(y), transA: .transposed, parallelism: parallelism))   // n × l
        y = matmul(a, z, parallelism: parallelism)   // m × l
    }
    return y
}
