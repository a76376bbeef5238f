import Factorizations
import GEMM
import LinearAlgebraCore

/// How the randomized range finder orthonormalizes the sketch Y (m × l) between the products with A.
enum RangeOrthonormalization: Sendable, CaseIterable {
    /// The thin Q of a Householder QR (``factorQR(_:wantQ:parallelism:)``): unconditionally stable; the
    /// reference.
    case householder
    /// Cholesky QR twice (CholQR2): G = YᵀY = LLᵀ, Y ← Y·L⁻ᵀ, repeated once. All GEMM and triangular solves
    /// (≈ 6ml² flops at GEMM speed, against ≈ 8ml² of the partly level-2 Householder QR and Q). Accurate
    /// while κ(Y) ≪ ε^(−1/2); falls back to Householder when a Cholesky pivot fails or the first pass's
    /// diagonal spread max Lᵢᵢ / min Lᵢᵢ (≈ κ(Y)) exceeds ``choleskyQRConditionLimit(_:)``.
    case choleskyQR2
    /// CholQR2 for Double, Householder for Float (where ε^(−1/2) ≈ 4·10³ leaves too little room for a power
    /// iteration's sketch).
    case automatic

    /// The κ(Y) estimate above which CholQR2 hands over to Householder: 0.02·ε^(−1/2) (Double ≈ 1.3·10⁶,
    /// Float ≈ 80), so that the first pass leaves Q₁ with κ ≲ 1 + 4·10⁻⁴ for the second to clean up.
    static func choleskyQRConditionLimit<T: LinalgScalar>(_: T.Type) -> Double { 0.02 / T.machineEpsilon.squareRoot() }

    /// Q (m × l) with orthonormal columns spanning the columns of `y` (m × l, m ≥ l). With `intermediate` (a
    /// power iteration's sketch that is multiplied by A again, not the final basis) CholQR2 stops after its
    /// first pass: the columns are then orthonormal to O(κ(Y)²·ε), plenty to keep the next product well
    /// conditioned, at half the cost.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func orthonormalize<T: GEMMScalar>(_ y: Matrix<T>, intermediate: Bool = false,
                                       parallelism: Parallelism) -> Matrix<T> {
        let method: RangeOrthonormalization = self == .automatic ? (T.self == Double.self ? .choleskyQR2 : .householder)
                                                                 : self
        if method == .choleskyQR2, y.rows >= y.cols, y.cols > 0,
           var q = Self.choleskyQRPass(y, checkCondition: true, parallelism: parallelism),
           intermediate || Self.choleskyQRPassInPlace(&q, parallelism: parallelism) {
            return q
        }
        return factorQR(y, wantQ: true, parallelism: parallelism).q!
    }

    /// One CholQR pass on a copy of `y`: nil when the Cholesky factorization fails or (with `checkCondition`)
    /// its diagonal spread exceeds the limit.
    static func choleskyQRPass<T: GEMMScalar>(_ y: Matrix<T>, checkCondition: Bool,
                                              parallelism: Parallelism) -> Matrix<T>? {
        var q = y
        guard choleskyQRPassInPlace(&q, checkCondition: checkCondition, parallelism: parallelism) else { return nil }
        return q
    }

    /// Y ← Y·L⁻ᵀ with YᵀY = LLᵀ; false (Y untouched) on failure.
    static func choleskyQRPassInPlace<T: GEMMScalar>(_ y: inout Matrix<T>, checkCondition: Bool = false,
                                                     parallelism: Parallelism) -> Bool {
        let g = matmul(y, y, transA: .transposed, parallelism: parallelism)   // l × l
        guard let chol = try? Cholesky(g, parallelism: parallelism) else { return false }
        let l = chol.l
        var lo = Double.infinity, hi = 0.0
        for i in 0..<l.rows {
            let d = l[i, i].asDouble
            lo = Swift.min(lo, d)
            hi = Swift.max(hi, d)
        }
        guard lo > 0, lo.isFinite, hi.isFinite else { return false }
        if checkCondition && hi > choleskyQRConditionLimit(T.self) * lo { return false }
        l.withView { lv in
            y.withMutableView { yv in
                triangularSolve(side: .right, part: .lower, transpose: .transposed, lv, yv, parallelism: parallelism)
            }
        }
        return true
    }
}
