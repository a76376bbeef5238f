import GEMM
import LinearAlgebraCore

/// The top-k SVD by the randomized range finder (Halko, Martinsson & Tropp 2011, Alg. 4.4 + 5.1).
///
/// l = min(k + oversampling, min(m, n)). Y = AΩ (Ω n × l, Gaussian or SRFT, seeded); Q = orth(Y) (m × l).
/// Each power iteration: Q ← orth(A·orth(AᵀQ)), re-orthonormalizing between the products so rounding does not
/// collapse Y onto the top singular vector. Then B = QᵀA (l × n), B = U_B Σ V_Bᵀ by ``jacobiSVD``, U = Q·U_B;
/// the leading k triplets are kept. orth(·) is Cholesky QR (twice for the final basis, once in between) for
/// Double and the thin Q of a Householder QR for Float (``RangeOrthonormalization``).
@_specialize(where T == Float)
@_specialize(where T == Double)
func randomizedSVD<T: GEMMScalar>(
    _ a: Matrix<T>, rank k: Int, oversampling p: Int, powerIterations q: Int, sketch: SVDSketch, seed: UInt64,
    vectors: Bool, params: JacobiParams, parallelism: Parallelism,
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

    func orth(_ y: Matrix<T>, intermediate: Bool = true) -> Matrix<T> {
        orthonormalization.orthonormalize(y, intermediate: intermediate, parallelism: parallelism)
    }

    let y0: Matrix<T>   // m × l
    switch sketch {
    case .gaussian:
        let omega = Matrix<T>.gaussian(rows: n, cols: l, seed: seed)   // n × l
        y0 = matmul(a, omega, parallelism: parallelism)
    case .srft:
        y0 = SRFTSketch.apply(a, columns: l, seed: seed, parallelism: parallelism)
    }
    var basis = orth(y0, intermediate: q > 0)   // m × l
    for i in 0..<q {
        let z = orth(matmul(a, basis, transA: .transposed, parallelism: parallelism))     // n × l
        basis = orth(matmul(a, z, parallelism: parallelism), intermediate: i < q - 1)   // m × l
    }
    let b = matmul(basis, a, transA: .transposed, parallelism: parallelism)   // l × n
    var small = try jacobiSVD(b, vectors: vectors, kernel: .scalar, params: params, parallelism: parallelism)
    let s = small.s.prefix(k).map { $0.scaledByPowerOfTwo(-e) }
    guard vectors, let ub = small.u, let vtb = small.vt else {
        return SVDParts(s: s, u: nil, vt: nil, sweeps: small.sweeps)
    }
    let u = matmul(basis, ub.submatrix(rows: 0..<l, cols: 0..<k), parallelism: parallelism)   // m × k
    small.vt = vtb.submatrix(rows: 0..<k, cols: 0..<n)
    return SVDParts(s: s, u: u, vt: small.vt, sweeps: small.sweeps)
}
