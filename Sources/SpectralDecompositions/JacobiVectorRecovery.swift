import GEMM
import LinearAlgebraCore

/// How the Jacobi SVD obtains the right singular vectors (the accumulated rotations V).
public enum JacobiRightVectors: String, Sendable, CaseIterable {
    /// Every rotation is applied to the rows of Y (= Vᵀ, starting as I) as it is applied to X: the classic
    /// one-sided Jacobi. Rotating Y costs as much as rotating X, every sweep.
    case accumulated
    /// Values first, vectors after (``recoverAndRefine(x:count:length:y:params:parallelism:)``): the sweeps run
    /// on X alone, Vᵀ is recovered from the converged X by one GEMM and made orthogonal by a QR, and the now
    /// nearly orthogonal problem is refined to full precision (``JacobiRefinement``).
    case recovered
}

/// Values-first one-sided Jacobi with recovered and refined right vectors (``JacobiRightVectors/recovered``).
///
/// X₀ (n × len, row-major; its rows are the columns to orthogonalize) and Y (n × n) on return satisfy
/// X = Y·X₀ with Y orthogonal and the rows of X orthogonal to the Jacobi tolerance, exactly as
/// ``oneSidedJacobi(x:count:length:y:yLength:params:parallelism:)`` with Y starting at I would give:
/// 1. Phase 1: Jacobi on a copy of X₀ without Y, to convergence. With `params.mixedPrecision` and T = Double
///    the copy is in Float (scaled by a power of two so its largest entry is about 1): half the memory traffic,
///    twice the SIMD width, and only a starting point is wanted from it.
/// 2. Recovery: the converged X_f = Y_f X₀ has orthogonal rows, X_f X_fᵀ = D², so
///    X_f X₀ᵀ = Y_f X₀ X₀ᵀ = Y_f (Y_fᵀ X_f)(X_fᵀ Y_f) = D² Y_f, i.e. Y_f = D⁻² X_f X₀ᵀ (one GEMM, in T).
///    Row i of it is accurate to about ε·σ₁/σᵢ; the rows, sorted by σᵢ descending and normalized, are made
///    exactly orthonormal by a Householder QR of Y_fᵀ = Q·R: Y₁ = Qᵀ keeps the well-determined leading
///    directions and completes the rest.
/// 3. Phase 2: X₁ = Y₁ X₀ (GEMM) has nearly orthogonal rows (cosines ~10⁻⁶ after a Float phase 1). With
///    ``JacobiRefinement/gram`` (what the default ``JacobiRefinement/automatic`` picks after a Float phase 1),
///    ``GramRefinement`` steps (Gram matrices and updates of Y₁, all by GEMM) square the cosines per step;
///    one-sided Jacobi accumulating into Y then rotates only what they leave (pairs with nearly equal σ) and
///    checks. With ``JacobiRefinement/rotations`` the one-sided Jacobi
///    does it all (quadratic convergence from the good start, but every pair rotated in two sweeps). Measured
///    on the R₂ of the bench's 576² Double matrix (Zen 3, 1 thread, loaded machine, best of 6 alternating
///    runs): this function 368 ms with rotations, 310 ms with Gram steps (phase 2 ≈ 160 → ≈ 100 ms).
///    `params.firstPhaseTolerance` loosens phase 1. Measured on the whole 576² SVD: 10⁻⁵ is within noise of
///    the default, 10⁻⁴ costs 15-25 % more (phase 2 then needs rotating sweeps; phase 1's last sweeps are cheap
///    anyway, as they skip the pairs whose rows did not change), so the default is phase 1's own ε·√len.
///
/// The GEMM X₁ = Y₁X₀ makes the result normwise accurate (errors ≈ ε·σ₁ in every σ), where the purely
/// rotation-based ``JacobiRightVectors/accumulated`` path keeps the relative accuracy of tiny σ of graded
/// matrices.
///
/// - Returns: the sweeps of both phases.
@_specialize(where T == Float)
@_specialize(where T == Double)
func recoverAndRefine<T: GEMMScalar>(
    x: inout [T], count n: Int, length len: Int,   // n × len, row-major
    y: inout [T],                                  // n × n, row-major (output; its input is ignored)
    params: JacobiParams, parallelism: Parallelism
) throws(SVDError) -> Int {
    precondition(x.count == n * len && y.count == n * n)
    let x0 = Matrix(rows: n, cols: len, elements: x)   // n × len
    var first = params
    if let t = params.firstPhaseTolerance { first.tolerance = t }
    // Phase 1: values only.
    var sweeps: Int
    var xf: Matrix<T>   // n × len: Y_f·X₀ (in T)
    if params.mixedPrecision && T.self == Double.self {
        let maxAbs = x.reduce(0.0) { Swift.max($0, abs($1.asDouble)) }
        let e = maxAbs > 0 ? -Int(maxAbs.exponent) : 0   // 2^e·max|x| ∈ [1, 2)
        var low = x.map { Float($0.asDouble.scaledByPowerOfTwo(e)) }   // n × len
        sweeps = try low.withUnsafeMutableBufferPointer { (b) throws(SVDError) -> Int in
            try oneSidedJacobi(x: b.baseAddress!, count: n, length: len, y: nil, yLength: 0, params: first,
                               parallelism: parallelism)
        }
        xf = Matrix(rows: n, cols: len, elements: low.map { T(Double($0)) })   // scale irrelevant below
    } else {
        var work = x
        sweeps = try work.withUnsafeMutableBufferPointer { (b) throws(SVDError) -> Int in
            try oneSidedJacobi(x: b.baseAddress!, count: n, length: len, y: nil, yLength: 0, params: first,
                               parallelism: parallelism)
        }
        xf = Matrix(rows: n, cols: len, elements: work)
    }

    // Recovery: Y_f ∝ X_f X₀ᵀ row by row (the D⁻² scaling is replaced by normalizing each row).
    var norms = [Double](repeating: 0, count: n)
    xf.elements.withUnsafeBufferPointer { b in
        for i in 0..<n { norms[i] = robustNorm(b.baseAddress! + i * len, len) }
    }
    let order = (0..<n).sorted { norms[$0] > norms[$1] || (norms[$0] == norms[$1] && $0 < $1) }
    permuteRows(&xf, order)
    let trapezoidal = TrapezoidalProducts.isUpperTrapezoidal(x0)   // X₀ = R₂ after QR preconditioning
    let yf = TrapezoidalProducts.productTransposed(xf, x0, trapezoidal: trapezoidal,
                                                   parallelism: parallelism)   // n × n
    var yfT = [T](repeating: 0, count: n * n)   // n × n: column i = row i of Y_f, normalized (0 if null)
    yf.elements.withUnsafeBufferPointer { src in
        for i in 0..<n {
            let r = robustNorm(src.baseAddress! + i * n, n)
            let inv = r > 0 && r.isFinite ? 1 / r : 0
            for j in 0..<n { yfT[j * n + i] = T(src[i * n + j].asDouble * inv) }
        }
    }
    let q = factorQR(Matrix(rows: n, cols: n, elements: yfT), wantQ: true, parallelism: parallelism).q!

    // Phase 2: accumulate from Y₁ (after Gram refinement steps, which usually leave only the check).
    var y1 = transposedCopy(q)   // n × n, orthogonal
    var steps = 0
    var x1: Matrix<T>
    let lowerPrecisionStart = params.mixedPrecision && T.self == Double.self
    if params.refinement == .gram || (params.refinement == .automatic && lowerPrecisionStart) {
        let start = y1
        let g = GramRefinement.run(x0: x0, y: &y1, orthogonal: true, params: params, parallelism: parallelism)
        steps = g.steps + (g.converged ? 1 : 0)   // the updates, and the check when it passed
        x1 = g.x
        if g.converged {
            x = x1.elements
            y = y1.elements
            return sweeps + steps
        }
        if !g.orthogonal {   // the updates lost orthogonality (too large a coupling): rotate from the start instead
            y1 = start
            x1 = TrapezoidalProducts.product(y1, x0, trapezoidal: trapezoidal, parallelism: parallelism)
        }
    } else {
        x1 = TrapezoidalProducts.product(y1, x0, trapezoidal: trapezoidal, parallelism: parallelism)   // n × len
    }
    x = x1.elements
    y = y1.elements
    let refine = try x.withUnsafeMutableBufferPointer { (xb) throws(SVDError) -> Int in
        try y.withUnsafeMutableBufferPointer { (yb) throws(SVDError) -> Int in
            try oneSidedJacobi(x: xb.baseAddress!, count: n, length: len, y: yb.baseAddress!, yLength: n,
                               params: params, parallelism: parallelism)
        }
    }
    return sweeps + steps + refine
}
