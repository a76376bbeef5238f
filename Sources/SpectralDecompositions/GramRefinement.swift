import GEMM
import LinearAlgebraCore

/// How the second phase of ``JacobiRightVectors/recovered`` brings the nearly orthogonal X₁ = Y₁X₀ to full
/// precision.
public enum JacobiRefinement: String, Sendable, CaseIterable {
    /// ``gram`` when phase 1 ran in lower precision than the input (``JacobiParams/mixedPrecision`` with Double
    /// input: X₁'s cosines are at Float rounding, ~10⁻⁶, far above the Double tolerance), ``rotations``
    /// otherwise (phase 1 already converged at the input's precision, so X₁ is off only by the rounding of the
    /// recovery and one rotating sweep is cheaper than Gram steps; measured Float 576²: 268-280 ms with
    /// rotations, 323-353 ms with Gram steps).
    case automatic
    /// One-sided Jacobi sweeps on X₁ accumulating into Y₁ (every pair rotated, at the speed of plane rotations).
    case rotations
    /// ``GramRefinement``: Newton-like steps built from Gram matrices (all level-3 work, through ``gemm``), then
    /// one-sided Jacobi only for what they leave (clustered pairs); usually that is just the checking pass.
    case gram
}

/// Eigenvector refinement in the one-sided form (Ogita–Aishima, "Iterative refinement for symmetric eigenvalue
/// problems", 2018), for the second phase of ``recoverAndRefine(x:count:length:y:params:parallelism:)``.
///
/// The rows of Y (n × n) approximate the eigenvectors of H = X₀X₀ᵀ (X₀: n × len), so X = Y·X₀ has nearly
/// orthogonal rows. One step, with three products and one update (each n²·len or n³ multiply–adds, by GEMM):
///
///     X = Y·X₀,   M = X·Xᵀ (= Y H Yᵀ),   R = I − Y·Yᵀ,
///     λ̃ᵢ = Mᵢᵢ / (1 − Rᵢᵢ),
///     Ẽᵢᵢ = Rᵢᵢ/2,   Ẽᵢⱼ = (Mᵢⱼ + λ̃ⱼ Rᵢⱼ) / (λ̃ⱼ − λ̃ᵢ)  (i ≠ j),
///     Y ← Y + ẼᵀY + (A²/2)·Y,   A = (Ẽ − Ẽᵀ)/2   (row j of ẼᵀY: Σᵢ Ẽᵢⱼ yᵢ; the A² term keeps Y orthogonal to
///                                               third order, see the update in ``run``).
///
/// The step removes both the departure of Y from orthogonality (R) and the off-diagonal of M to first order, so
/// both shrink quadratically: from the Float first phase's cosines ~10⁻⁶, two steps reach rounding level. A
/// pair whose correction would not be small (|Ẽᵢⱼ| > ``JacobiParams/gramCoupling``: close λ̃, a cluster) is
/// only re-orthogonalized (Ẽᵢⱼ = Rᵢⱼ/2) and left to the one-sided Jacobi that follows.
///
/// M is formed from X, never from H, so its rounding is ≈ ε·‖xᵢ‖‖xⱼ‖ in each entry: relative to the scaled
/// Gram, as in one-sided Jacobi (Demmel–Veselić). The correction of xⱼ along xᵢ is Ẽᵢⱼ·xᵢ with an error of
/// ε·σⱼ/σᵢ in Ẽᵢⱼ, i.e. ε·σⱼ in xⱼ: small singular values keep their accuracy relative to themselves.
enum GramRefinement {
    /// The outcome of ``run(x0:y:orthogonal:params:parallelism:)``.
    struct Result<T: LinalgScalar> {
        /// Y·X₀ for the final Y (n × len).
        var x: Matrix<T>
        /// Refinement steps taken (updates of Y).
        var steps: Int
        /// Whether a check found every cosine |xᵢ·xⱼ|/(‖xᵢ‖‖xⱼ‖) ≤ tol and |Rᵢⱼ| ≤ 4·tol (then `x` is that checked
        /// X; otherwise the one-sided Jacobi still has to run on it).
        var converged: Bool
        /// Whether Y is orthogonal to 4·tol (|Rᵢⱼ|); if not, the caller must not continue from it.
        var orthogonal: Bool = true
    }

    /// Runs up to `params.gramSteps` steps on Y (n × n, updated in place; `orthogonal`: Y is orthogonal to
    /// rounding on entry, so the first R is taken as 0) and returns X = Y·X₀ of the last Y.
    ///
    /// Each step begins with the check of the current Y; it stops early when everything passes (converged) or
    /// when only clustered pairs remain (those are the one-sided Jacobi's). After the last update only R is
    /// checked (`orthogonal`), not M: the one-sided Jacobi's first sweep checks every pair anyway.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func run<T: GEMMScalar>(x0: Matrix<T>, y: inout Matrix<T>, orthogonal: Bool, params: JacobiParams,
                                   parallelism: Parallelism) -> Result<T> {
        let n = x0.rows
        precondition(y.rows == n && y.cols == n)
        let tol = params.threshold(length: x0.cols, T.self)
        let trapezoidal = TrapezoidalProducts.isUpperTrapezoidal(x0)   // X₀ = R₂ after QR preconditioning
        var steps = 0
        var e = [T](repeating: 0, count: n * n)   // n × n: Ẽ
        while steps < params.gramSteps {   // each pass: check, then update
            let x = TrapezoidalProducts.product(y, x0, trapezoidal: trapezoidal, parallelism: parallelism)                              // n × len
            let m = symmetricGram(x, parallelism: parallelism)                           // n × n: X Xᵀ
            let g = steps == 0 && orthogonal ? nil : symmetricGram(y, parallelism: parallelism)   // n × n: I − R
            let status = m.elements.withUnsafeBufferPointer { mb in
                e.withUnsafeMutableBufferPointer { eb in
                    if let g {
                        g.elements.withUnsafeBufferPointer { gb in
                            correction(m: mb.baseAddress!, g: gb.baseAddress, n: n, tol: tol,
                                       coupling: params.gramCoupling, into: eb.baseAddress!)
                        }
                    } else {
                        correction(m: mb.baseAddress!, g: nil, n: n, tol: tol, coupling: params.gramCoupling,
                                   into: eb.baseAddress!)
                    }
                }
            }
            switch status {
            case .converged: return Result(x: x, steps: steps, converged: true)
            case .clustersOnly: return Result(x: x, steps: steps, converged: false)
            case .refine: break
            }
            // Second-order term: with A = (Ẽ − Ẽᵀ)/2 (the rotation part; Ẽ + Ẽᵀ = R by construction),
            // Y ← (I + Ẽᵀ + A²/2)·Y gives Y Yᵀ = I + O(‖A‖³ + ‖R‖‖Ẽ‖) where I + Ẽᵀ alone leaves −A², the square of
            // the largest rotation (for R = 0 this is I + A + A²/2, with (I − A + A²/2)(I + A + A²/2) = I + A⁴/4).
            var a = [T](repeating: 0, count: n * n)   // n × n: A
            for i in 0..<n {
                for j in 0..<n { a[i * n + j] = (e[i * n + j] - e[j * n + i]) / 2 }
            }
            // A² = −A·Aᵀ (A antisymmetric), so the symmetric product serves.
            let aat = symmetricGram(Matrix(rows: n, cols: n, elements: a), parallelism: parallelism)   // n × n
            for i in 0..<(n * n) { e[i] -= aat.elements[i] / 2 }
            let old = y
            let em = Matrix(rows: n, cols: n, elements: e)
            em.withView { ev in
                old.withView { yv in
                    y.withMutableView { out in
                        gemm(.transposed, ev, .none, yv, into: out, alpha: 1, beta: 1, parallelism: parallelism)
                    }
                }
            }
            steps += 1
        }
        // After the last update only Y's orthogonality is checked (R of the second order of the last Ẽ); the
        // one-sided Jacobi checks the pairs.
        let g = symmetricGram(y, parallelism: parallelism)
        var worst = 0.0
        for i in 0..<n {
            for j in 0..<n { worst = Swift.max(worst, abs((i == j ? 1 : 0) - g[i, j].asDouble)) }
        }
        return Result(x: TrapezoidalProducts.product(y, x0, trapezoidal: trapezoidal, parallelism: parallelism), steps: steps, converged: false,
                      orthogonal: worst <= 4 * tol)
    }

    /// What a check found.
    enum Status {
        /// Nothing to do: all cosines ≤ tol, all |Rᵢⱼ| ≤ 4·tol.
        case converged
        /// Some pair or R entry a step can improve.
        case refine
        /// Only clustered pairs (|Ẽᵢⱼ| > coupling) are above tol.
        case clustersOnly
    }

    /// Fills Ẽ (n × n, row-major) from M = X Xᵀ and G = Y Yᵀ (R = I − G; nil: R = 0), and classifies what is
    /// left: cosines Mᵢⱼ/√(MᵢᵢMⱼⱼ) against tol (rows with Mᵢᵢ = 0 excluded), |Rᵢⱼ| against 4·tol.
    static func correction<T: LinalgScalar>(m: UnsafePointer<T>, g: UnsafePointer<T>?, n: Int, tol: Double,
                                            coupling: Double, into e: UnsafeMutablePointer<T>) -> Status {
        var lambda = [Double](repeating: 0, count: n)
        var root = [Double](repeating: 0, count: n)   // √Mᵢᵢ
        var refinable = false, clustered = false
        @inline(__always) func r(_ i: Int, _ j: Int) -> Double {
            guard let g else { return 0 }
            return (i == j ? 1 : 0) - g[i * n + j].asDouble
        }
        for i in 0..<n {
            let d = m[i * n + i].asDouble, rii = r(i, i)
            lambda[i] = d / (1 - rii)
            root[i] = Swift.max(d, 0).squareRoot()
            e[i * n + i] = T(rii / 2)
            if abs(rii) > 4 * tol { refinable = true }
        }
        for i in 0..<n {
            for j in 0..<n where j != i {
                let mij = m[i * n + j].asDouble, rij = r(i, j)
                let gap = lambda[j] - lambda[i]
                let full = (mij + lambda[j] * rij) / gap
                let coupled = !(gap != 0 && abs(full) <= coupling)
                e[i * n + j] = T(coupled ? rij / 2 : full)
                if abs(rij) > 4 * tol { refinable = true }
                if root[i] > 0 && root[j] > 0 && abs(mij) > tol * root[i] * root[j] {
                    if coupled { clustered = true } else { refinable = true }
                }
            }
        }
        return refinable ? .refine : (clustered ? .clustersOnly : .converged)
    }

    /// A·Aᵀ (A: n × k) by GEMMs on the block pairs (I, J), I ≤ J, of four row blocks, mirrored: 10/16 of the
    /// multiply–adds of one full product.
    static func symmetricGram<T: GEMMScalar>(_ a: Matrix<T>, parallelism: Parallelism) -> Matrix<T> {
        let n = a.rows
        var out = Matrix<T>(rows: n, cols: n)   // n × n
        let parts = n >= 64 ? 4 : 1
        func rows(_ i: Int) -> Range<Int> { (i * n / parts)..<((i + 1) * n / parts) }
        a.withView { av in
            out.withMutableView { ov in
                for i in 0..<parts {
                    for j in i..<parts {
                        gemm(.none, av.block(rows: rows(i), cols: 0..<a.cols), .transposed,
                             av.block(rows: rows(j), cols: 0..<a.cols),
                             into: ov.block(rows: rows(i), cols: rows(j)), parallelism: parallelism)
                    }
                }
            }
        }
        for i in 0..<n {
            for j in 0..<i { out[i, j] = out[j, i] }
        }
        return out
    }
}
