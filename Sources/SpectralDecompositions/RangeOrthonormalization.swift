import Factorizations
import GEMM
import LinearAlgebraCore

/// How the randomized range finder orthonormalizes the sketch Y (m × l) between the products with A.
enum RangeOrthonormalization: Sendable, CaseIterable {
    /// The thin Q of a Householder QR (``factorQR(_:wantQ:parallelism:)``): unconditionally stable; the
    /// reference.
    case householder
    /// Cholesky QR twice (CholQR2): G = YᵀY = LLᵀ, Y ← Y·L⁻ᵀ, repeated once. The Gram is accumulated in Double
    /// whatever T is (a symmetric rank-k update, ``syrk(_:into:alpha:beta:variant:parallelism:params:)``: m·l²
    /// flops; a Float Y is widened while packed) and factored in Double; the solve runs in T. About 4ml² flops at
    /// GEMM speed per CholQR2, against ≈ 8ml² of the partly level-2 Householder QR and Q.
    ///
    /// Accuracy of one pass: with the Gram in T's own precision QᵀQ − I = O(ε·κ(Y)²); for Float, whose Gram
    /// is in Double, the Float rounding of L and of the solve dominate: O(ε_f32·κ(Y)). Falls back to
    /// Householder when a Cholesky pivot fails or the first pass's diagonal spread max Lᵢᵢ / min Lᵢᵢ (≈ κ(Y))
    /// exceeds ``choleskyQRConditionLimit(_:)``. A Float intermediate (single) pass tries a Float Gram first
    /// (``floatGramConditionLimit``).
    case choleskyQR2
    /// CholQR2 (with its fallbacks) for both precisions. (Before the Double Gram, Float used Householder: its own
    /// Gram's ε_f32^(−1/2) ≈ 4·10³ left too little room for a power iteration's sketch.)
    case automatic

    /// The κ(Y) estimate above which CholQR2 hands over to Householder, so that the first pass leaves Q₁ with
    /// κ ≲ 1.02 for the second to clean up: Double 0.02·ε^(−1/2) ≈ 1.3·10⁶ (ε·κ² ≤ 4·10⁻⁴), Float (Double Gram)
    /// 0.02·ε_f32⁻¹ ≈ 1.7·10⁵ (ε_f32·κ ≤ 0.02).
    static func choleskyQRConditionLimit<T: LinalgScalar>(_: T.Type) -> Double {
        T.self == Float.self ? 0.02 / T.machineEpsilon : 0.02 / T.machineEpsilon.squareRoot()
    }

    /// A Float intermediate pass first tries the Gram in Float (SYRK at Float speed, about half the time of the
    /// widening one): accepted while κ(Y) ≤ 0.3·ε_f32^(−1/2) ≈ 870, where QᵀQ − I = O(ε_f32·κ²) ≲ 0.1 still
    /// leaves a well-conditioned basis for the next product. The span is as accurate either way: Q = Y·L⁻ᵀ
    /// spans span(Y) for any nonsingular L, up to the solve's O(ε_f32·κ(Y)).
    static let floatGramConditionLimit = 0.3 / Float.machineEpsilon.squareRoot()

    /// Q (m × l) with orthonormal columns spanning the columns of `y` (m × l, m ≥ l). With `intermediate` (a
    /// power iteration's sketch that is multiplied by A again, not the final basis) CholQR2 stops after its
    /// first pass: the columns are then orthonormal to O(ε·κ(Y)²) (Double) or O(ε_f32·κ(Y)) (Float), plenty
    /// to keep the next product well conditioned, at half the cost.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func orthonormalize<T: GEMMScalar>(_ y: Matrix<T>, intermediate: Bool = false,
                                       parallelism: Parallelism) -> Matrix<T> {
        if self != .householder, y.rows >= y.cols, y.cols > 0 {
            if intermediate && T.self == Float.self,
               let q = Self.choleskyQRPass(y, conditionLimit: Self.floatGramConditionLimit, gramInDouble: false,
                                           parallelism: parallelism) {
                return q
            }
            if var q = Self.choleskyQRPass(y, conditionLimit: Self.choleskyQRConditionLimit(T.self),
                                           parallelism: parallelism),
               intermediate || Self.choleskyQRPassInPlace(&q, parallelism: parallelism) {
                return q
            }
        }
        return factorQR(y, wantQ: true, parallelism: parallelism).q!
    }

    /// One CholQR pass on a copy of `y`: nil when the Cholesky factorization fails or its diagonal spread
    /// exceeds `conditionLimit`.
    static func choleskyQRPass<T: GEMMScalar>(_ y: Matrix<T>, conditionLimit: Double? = nil, gramInDouble: Bool = true,
                                              parallelism: Parallelism) -> Matrix<T>? {
        var q = y
        guard choleskyQRPassInPlace(&q, conditionLimit: conditionLimit, gramInDouble: gramInDouble,
                                    parallelism: parallelism) else { return nil }
        return q
    }

    /// G = YᵀY (l × l, lower triangle only) accumulated in Double: the Double SYRK, or for Float Y the widening
    /// one (each element widened to Double as it is packed).
    static func doubleGram<T: GEMMScalar>(_ y: Matrix<T>, parallelism: Parallelism) -> Matrix<Double> {
        var g = Matrix<Double>(rows: y.cols, cols: y.cols)   // l × l, lower triangle
        g.withMutableView { gv in
            if let yf = y as? Matrix<Float> {
                yf.withView { syrk($0, into: gv, parallelism: parallelism) }
            } else if let yd = y as? Matrix<Double> {
                yd.withView { syrk($0, into: gv, parallelism: parallelism) }
            } else {
                preconditionFailure("RangeOrthonormalization: unsupported scalar \(T.self)")
            }
        }
        return g
    }

    /// Y ← Y·L⁻ᵀ with YᵀY = LLᵀ, applied in T; false (Y untouched) when the Cholesky factorization fails or
    /// its diagonal spread max Lᵢᵢ / min Lᵢᵢ exceeds `conditionLimit`. With `gramInDouble` (or T = Double) the
    /// Gram, its Cholesky factor and L⁻¹ are in Double, else in T. L⁻ᵀ is applied as the product with the
    /// explicit inverse (``timesInverseTransposed(_:_:parallelism:)``) or, with `bySolve`, by the triangular
    /// solve (the reference; same O(ε·κ(Y)) error, slower: part of it runs at substitution speed).
    static func choleskyQRPassInPlace<T: GEMMScalar>(_ y: inout Matrix<T>, conditionLimit: Double? = nil,
                                                     gramInDouble: Bool = true, bySolve: Bool = false,
                                                     parallelism: Parallelism) -> Bool {
        var l: Matrix<T>   // l × l, lower triangular: L, then L⁻¹
        if gramInDouble || T.self == Double.self {
            guard let chol = try? Cholesky(doubleGram(y, parallelism: parallelism), parallelism: parallelism),
                  diagonalAcceptable(chol.l, T.self, conditionLimit: conditionLimit) else { return false }
            var factor = chol.l
            if !bySolve {
                guard let inv = try? triangularInverse(part: .lower, factor, parallelism: parallelism) else { return false }
                factor = inv
            }
            l = T.self == Double.self ? factor as! Matrix<T> : floatCopy(factor, scaledByPowerOfTwo: 0) as! Matrix<T>
        } else {
            var g = Matrix<T>(rows: y.cols, cols: y.cols)   // l × l, lower triangle
            y.withView { yv in g.withMutableView { syrk(yv, into: $0, parallelism: parallelism) } }
            guard let chol = try? Cholesky(g, parallelism: parallelism),
                  diagonalAcceptable(chol.l, T.self, conditionLimit: conditionLimit) else { return false }
            l = chol.l
            if !bySolve {
                guard let inv = try? triangularInverse(part: .lower, l, parallelism: parallelism) else { return false }
                l = inv
            }
        }
        guard l.elements.allSatisfy(\.isFinite) else { return false }
        if bySolve {
            l.withView { lv in
                y.withMutableView { yv in
                    triangularSolve(side: .right, part: .lower, transpose: .transposed, lv, yv, parallelism: parallelism)
                }
            }
        } else {
            y = timesInverseTransposed(y, l, parallelism: parallelism)
        }
        return true
    }

    /// Whether the Cholesky factor's diagonal is usable in T: min Lᵢᵢ normal, max Lᵢᵢ finite in T, and (with a
    /// limit) max Lᵢᵢ ≤ limit·min Lᵢᵢ.
    static func diagonalAcceptable<S: LinalgScalar, T: LinalgScalar>(_ l: Matrix<S>, _: T.Type,
                                                                    conditionLimit: Double?) -> Bool {
        var lo = Double.infinity, hi = 0.0
        for i in 0..<l.rows {
            let d = l[i, i].asDouble
            lo = Swift.min(lo, d)
            hi = Swift.max(hi, d)
        }
        guard lo >= T.leastNormalMagnitude.asDouble, hi.isFinite, hi <= T.greatestFiniteMagnitude.asDouble else {
            return false
        }
        if let conditionLimit, hi > conditionLimit * lo { return false }
        return true
    }

    /// Columns per block of ``timesInverseTransposed(_:_:parallelism:)``.
    static let productBlock = 128

    /// Y·Xᵀ (m × l) for lower-triangular X (l × l; here L⁻¹): column block J of the result is
    /// Y[:, 0..<end(J)]·X[J, 0..<end(J)]ᵀ (the rest of row block J of X is zero), one GEMM per block — ≈ m·l²·(1 + b/l)
    /// flops at GEMM speed instead of the 2ml² of the full product.
    static func timesInverseTransposed<T: GEMMScalar>(_ y: Matrix<T>, _ x: Matrix<T>,
                                                      parallelism: Parallelism) -> Matrix<T> {
        let (m, l) = (y.rows, y.cols)
        var out = Matrix<T>(rows: m, cols: l)   // m × l
        y.withView { yv in
            x.withView { xv in
                out.withMutableView { ov in
                    for c0 in stride(from: 0, to: l, by: productBlock) {
                        let c1 = Swift.min(l, c0 + productBlock)
                        gemm(.none, yv.block(rows: 0..<m, cols: 0..<c1), .transposed,
                             xv.block(rows: c0..<c1, cols: 0..<c1), into: ov.block(rows: 0..<m, cols: c0..<c1),
                             alpha: 1, beta: 0, parallelism: parallelism)
                    }
                }
            }
        }
        return out
    }
}
