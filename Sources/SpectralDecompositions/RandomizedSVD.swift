import GEMM
import LinearAlgebraCore

/// The top-k SVD by the randomized range finder (Halko, Martinsson & Tropp 2011, Alg. 4.4 + 5.1).
///
/// l = min(k + oversampling, min(m, n)). Y = AΩ (Ω n × l, Gaussian or SRFT, seeded); each power iteration
/// Y ← A·orth(Aᵀ·orth(Y)), re-orthonormalizing between the products so rounding does not collapse Y onto the
/// top singular vector (``rangeSketch(_:columns:powerIterations:sketch:seed:orthonormalization:parallelism:)``).
/// Then Q = orth(Y) (m × l), Bᵀ = AᵀQ (n × l), Bᵀ = V_B Σ U_Bᵀ by ``jacobiSVD``, U = Q·U_B, V = V_B; the
/// leading k triplets are kept, signed by the ``SVD`` convention on V. orth(·) is Cholesky QR, twice for the final basis and once in between, with a Householder fallback
/// (``RangeOrthonormalization``).
///
/// Mixed-precision range (`mixedPrecisionRange`, Double input only): the sketch and the power iterations — all
/// but one of the 2(q+1)+1 products with A when Ω is Gaussian — run in Float on a Float copy of A (scaled by a
/// power of two so that max |aᵢⱼ| ∈ [1, 2); entries that would become subnormal are flushed to 0, they lie
/// below 2⁻¹²⁶·max |aᵢⱼ|). The final orthonormalization's first CholQR pass runs in Float too, its second in
/// Double; B = QᵀA, the SVD of B and U = Q·U_B are computed in Double. Why this is enough: the range finder only has to capture span(top-l left
/// singular vectors). Its Float rounding, ‖δA‖ ≈ ε_f32·‖A‖ per product, turns the Double span(Y) by an angle
/// θ ≈ ε_f32·σ₁/σ_l (times a modest constant); what follows is exact to Double rounding for the subspace
/// span(Q) actually found: U Σ Vᵀ is the SVD of the Double projection QQᵀA. So the singular vectors carry
/// an extra error O(θ·σ₁/gap) and, B = QᵀA being a Rayleigh–Ritz projection of AAᵀ, the σᵢ an extra
/// O(θ²·σ₁²/σᵢ) — both far below the randomized approximation error that k + p and q are chosen for (the
/// 10⁻³ of a typical target). It is a floor, though: on a matrix the Double range finder would capture to
/// 10⁻¹², the Float range caps the singular vectors' accuracy at ≈ 10⁻⁷·σ₁/gap (and the σ at its square);
/// set `mixedPrecisionRange` false there. U and V are orthonormal to Double precision either way (the final
/// orthonormalization and the small SVD are in Double). Cost: the Float products run at about twice the
/// Double GEMM speed and move half the bytes.
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
