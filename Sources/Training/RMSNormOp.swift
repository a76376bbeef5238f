import LinearAlgebraCore

/// Root-mean-square normalization of every `gamma.count`-wide group of every row (a whole row for hidden
/// states, one head for Gemma 3's q/k norms), as ``TransformerRuntime/RMSNorm``:
///
///     r = 1 / √(mean(x²) + ε),   y = x · r · γ
///
/// Backward, with x̂ = x·r and n the group width:
///
///     dx = r · (γ ⊙ dy − x̂ · (1/n) Σⱼ γⱼ dyⱼ x̂ⱼ),     dγ += Σ_groups dy ⊙ x̂
///
/// The forward keeps r (one value per group); the backward takes x and r.
public enum RMSNormOp {
    /// x: rows × k·n. Returns y (same shape) and r (rows·k values, group order).
    public static func forward<T: TrainingScalar>(_ x: Matrix<T>, gamma: [T], eps: T,
                                                  parallelism: Parallelism) -> (y: Matrix<T>, rstd: [T]) {
        let n = gamma.count, groups = x.elements.count / n
        precondition(x.cols % n == 0, "RMSNormOp: \(x.cols) columns do not split into groups of \(n)")
        var y = x
        var rstd = [T](repeating: 0, count: groups)
        let perRow = x.cols / n
        rstd.withUnsafeMutableBufferPointer { rb in
            gamma.withUnsafeBufferPointer { g in
                let r = rb.baseAddress!
                MatrixProducts.forEachRowRange(&y, parallelism: parallelism) { rows, base in
                    for grp in rows.lowerBound * perRow..<rows.upperBound * perRow {
                        let v = base + grp * n
                        var ss: T = 0
                        for j in 0..<n { ss += v[j] * v[j] }
                        let inv = 1 / (ss / T(n) + eps).squareRoot()
                        r[grp] = inv
                        for j in 0..<n { v[j] = v[j] * inv * g[j] }
                    }
                }
            }
        }
        return (y, rstd)
    }

    /// dx for dy (the shape of x); adds Σ dy ⊙ x̂ into `dGamma` when given.
    public static func backward<T: TrainingScalar>(_ dy: Matrix<T>, x: Matrix<T>, rstd: [T], gamma: [T],
                                                   dGamma: UnsafeMutablePointer<T>? = nil,
                                                   parallelism: Parallelism) -> Matrix<T> {
        let n = gamma.count, perRow = x.cols / n
        precondition(dy.rows == x.rows && dy.cols == x.cols && rstd.count == x.elements.count / n)
        var dx = dy
        x.elements.withUnsafeBufferPointer { xb in
            rstd.withUnsafeBufferPointer { rb in
                gamma.withUnsafeBufferPointer { g in
                    let xs = xb.baseAddress!, r = rb.baseAddress!
                    MatrixProducts.forEachRowRange(&dx, parallelism: parallelism) { rows, base in
                        for grp in rows.lowerBound * perRow..<rows.upperBound * perRow {
                            let d = base + grp * n, xv = xs + grp * n, inv = r[grp]
                            var dot: T = 0
                            for j in 0..<n { dot += g[j] * d[j] * xv[j] * inv }
                            let mean = dot / T(n)
                            for j in 0..<n { d[j] = inv * (g[j] * d[j] - xv[j] * inv * mean) }
                        }
                    }
                    if let dGamma {
                        dy.elements.withUnsafeBufferPointer { db in
                            for grp in 0..<rstd.count {
                                for j in 0..<n { dGamma[j] += db[grp * n + j] * xs[grp * n + j] * r[grp] }
                            }
                        }
                    }
                }
            }
        }
        return dx
    }
}
