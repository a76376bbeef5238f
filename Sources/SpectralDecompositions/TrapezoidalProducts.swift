import GEMM
import LinearAlgebraCore

/// Products with an upper trapezoidal right factor (R of a QR: k × len, zero below the diagonal), which is what
/// the QR-preconditioned Jacobi SVD keeps as X₀. They skip the zero blocks: with the columns of R cut into four
/// blocks J, block J only meets rows 0..<min(k, end of J) of R, so Y·R and X·Rᵀ take (for square R) 10/16 of
/// the multiply–adds of a full GEMM. A factor that is not upper trapezoidal gets the full GEMM.
enum TrapezoidalProducts {
    /// Whether every entry of `r` below the diagonal is zero.
    static func isUpperTrapezoidal<T: LinalgScalar>(_ r: Matrix<T>) -> Bool {
        r.elements.withUnsafeBufferPointer { e in
            for i in 1..<Swift.max(r.rows, 1) {
                for j in 0..<Swift.min(i, r.cols) where e[i * r.cols + j] != 0 { return false }
            }
            return true
        }
    }

    /// Column blocks of R (len columns) and, for each, the rows of R that can be nonzero in it.
    private static func blocks(rows k: Int, cols len: Int) -> [(cols: Range<Int>, rows: Range<Int>)] {
        let parts = Swift.min(k, len) >= 64 ? 4 : 1
        let tri = Swift.min(k, len)   // the triangular part; columns from tri on meet all k rows
        return (0..<parts).map { p in
            let lo = p * tri / parts, hi = p == parts - 1 ? len : (p + 1) * tri / parts
            return (lo..<hi, 0..<Swift.min(k, hi))
        }
    }

    /// Y·R (Y: n × k, R: k × len upper trapezoidal when `trapezoidal`) → n × len.
    static func product<T: GEMMScalar>(_ y: Matrix<T>, _ r: Matrix<T>, trapezoidal: Bool,
                                       parallelism: Parallelism) -> Matrix<T> {
        guard trapezoidal else { return matmul(y, r, parallelism: parallelism) }
        var out = Matrix<T>(rows: y.rows, cols: r.cols)   // n × len
        y.withView { yv in
            r.withView { rv in
                out.withMutableView { ov in
                    for (cols, rows) in blocks(rows: r.rows, cols: r.cols) where !rows.isEmpty && !cols.isEmpty {
                        gemm(.none, yv.block(rows: 0..<y.rows, cols: rows), .none, rv.block(rows: rows, cols: cols),
                             into: ov.block(rows: 0..<y.rows, cols: cols), parallelism: parallelism)
                    }
                }
            }
        }
        return out
    }

    /// X·Rᵀ (X: n × len, R: k × len upper trapezoidal when `trapezoidal`) → n × k: column i of the result only
    /// meets columns i..<len of R's row i.
    static func productTransposed<T: GEMMScalar>(_ x: Matrix<T>, _ r: Matrix<T>, trapezoidal: Bool,
                                                 parallelism: Parallelism) -> Matrix<T> {
        guard trapezoidal else { return matmul(x, r, transB: .transposed, parallelism: parallelism) }
        var out = Matrix<T>(rows: x.rows, cols: r.rows)   // n × k
        let k = r.rows, parts = Swift.min(k, r.cols) >= 64 ? 4 : 1
        x.withView { xv in
            r.withView { rv in
                out.withMutableView { ov in
                    for p in 0..<parts {
                        let rows = (p * k / parts)..<((p + 1) * k / parts)   // rows of R = columns of the result
                        let depth = Swift.min(rows.lowerBound, r.cols)..<r.cols
                        guard !rows.isEmpty && !depth.isEmpty else { continue }   // (empty depth: zero block)
                        gemm(.none, xv.block(rows: 0..<x.rows, cols: depth), .transposed,
                             rv.block(rows: rows, cols: depth), into: ov.block(rows: 0..<x.rows, cols: rows),
                             parallelism: parallelism)
                    }
                }
            }
        }
        return out
    }
}
