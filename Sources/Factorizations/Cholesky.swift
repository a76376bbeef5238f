import Foundation
import GEMM
import LinearAlgebraCore

/// The Cholesky factorization A = L·Lᵀ of a symmetric positive definite matrix (Eigen's `LLT`).
///
/// Only the lower triangle of A is read. `l` is lower triangular with a positive diagonal and zeros above.
public struct Cholesky<T: GEMMScalar>: Sendable {
    /// n × n, lower triangular, zeros above the diagonal.
    public var l: Matrix<T>

    /// The order n of A.
    public var n: Int { l.rows }

    /// Factors `a` (n × n). Throws ``FactorizationError/dimensionMismatch(argument:expected:got:)`` for a
    /// non-square `a` and ``FactorizationError/notPositiveDefinite(pivot:)`` (0-based) when a pivot is ≤ 0.
    @specialized(where T == Float)
    @specialized(where T == Double)
    public init(_ a: Matrix<T>, variant: CholeskyVariant = .blocked, params: CholeskyParams = .default,
                parallelism: Parallelism = .serial) throws(FactorizationError) {
        guard a.rows == a.cols else {
            throw .dimensionMismatch(argument: "a", expected: "a square matrix", got: "\(a.rows)×\(a.cols)")
        }
        var policy = PivotPolicy<T>.strict
        self.l = try Self.factor(a, variant: variant, params: params, parallelism: parallelism, policy: &policy)
    }

    /// Wraps a factor computed elsewhere (lower triangular, zeros above, positive diagonal).
    public init(factor l: Matrix<T>) {
        precondition(l.rows == l.cols, "Cholesky(factor:): argument 'l' must be square, got \(l.rows)×\(l.cols)")
        self.l = l
    }

    static func factor(_ a: consuming Matrix<T>, variant: CholeskyVariant, params: CholeskyParams,
                       parallelism: Parallelism, policy: inout PivotPolicy<T>) throws(FactorizationError)
        -> Matrix<T> {
        var l = consume a  // in place when the caller gave up its reference
        var failure: FactorizationError?
        l.withMutableView { v in
            do throws(FactorizationError) {
                try choleskyFactor(v, variant: variant, params: params, parallelism: parallelism, policy: &policy)
            } catch { failure = error }
        }
        if let failure { throw failure }
        return l
    }

    /// X with A·X = B, for B n × p: forward substitution L·Y = B, then back substitution Lᵀ·X = Y.
    @specialized(where T == Float)
    @specialized(where T == Double)
    public func solve(_ b: Matrix<T>, parallelism: Parallelism = .serial) -> Matrix<T> {
        precondition(b.rows == n, "Cholesky.solve: argument 'b' has \(b.rows) rows, expected \(n)")
        var x = b
        l.withView { lv in
            x.withMutableView { xv in
                triangularSolve(side: .left, part: .lower, transpose: .none, lv, xv, parallelism: parallelism)
                triangularSolve(side: .left, part: .lower, transpose: .transposed, lv, xv, parallelism: parallelism)
            }
        }
        return x
    }

    /// log det A = 2·Σᵢ log lᵢᵢ (no overflow for large n, unlike det A itself).
    public var logDeterminant: Double {
        var s = 0.0
        for i in 0..<n { s += Foundation.log(l[i, i].asDouble) }
        return 2 * s
    }

    /// A = L·Lᵀ reconstructed (for checks).
    public func reconstructed() -> Matrix<T> { matmul(l, l, transB: .transposed) }
}
