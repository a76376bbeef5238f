import GEMM
import LinearAlgebraCore

extension HouseholderQR {
    /// X (n × p) minimizing ‖A·X − B‖_F for B m × p, when m ≥ n and A has full column rank:
    /// C = Qᵀ·B, then R₁·X = C[0..<n] by back substitution (R₁ = R's leading n × n block).
    ///
    /// The residual B − A·X = Q·[0; C[n..<m]] is orthogonal to the columns of A. Throws
    /// ``FactorizationError/dimensionMismatch(argument:expected:got:)`` when m < n (argument "a") or B has the
    /// wrong number of rows (argument "b"), and ``FactorizationError/singular(index:)`` when |rᵢᵢ| ≤
    /// `rankTolerance`·maxⱼ|rⱼⱼ| (exactly zero by default).
    @specialized(where T == Float)
    @specialized(where T == Double)
    public func solveLeastSquares(_ b: Matrix<T>, rankTolerance: Double = 0, parallelism: Parallelism = .serial)
        throws(FactorizationError) -> Matrix<T> {
        let m = rows, n = cols
        guard m >= n else {
            throw .dimensionMismatch(argument: "a", expected: "at least as many rows as columns", got: "\(m)×\(n)")
        }
        guard b.rows == m else {
            throw .dimensionMismatch(argument: "b", expected: "\(m) rows", got: "\(b.rows)×\(b.cols)")
        }
        var largest = 0.0
        for i in 0..<n { largest = Swift.max(largest, abs(factors[i, i].asDouble)) }
        for i in 0..<n where abs(factors[i, i].asDouble) <= rankTolerance * largest || factors[i, i] == 0 {
            throw .singular(index: i)
        }
        var c = b
        applyQ(transpose: .transposed, to: &c, parallelism: parallelism)
        var x = c.submatrix(rows: 0..<n, cols: 0..<b.cols)
        factors.withView { fv in
            x.withMutableView { xv in
                triangularSolve(side: .left, part: .upper, fv.block(rows: 0..<n, cols: 0..<n), xv,
                                parallelism: parallelism)
            }
        }
        return x
    }
}
