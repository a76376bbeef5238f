import GEMM
import LinearAlgebraCore

/// C = A·L for a lower triangular L (n × n; only its lower triangle is read) and A (m × n), out of place (BLAS
/// TRMM, side right, lower), by column blocks J = lo..<hi of L, each meeting only the rows lo..<n of L:
///
///     C[·, J] = A[·, lo..<n]·L[lo..<n, J]        (one GEMM per block; the zero blocks above the diagonal skipped)
///
/// With p blocks of `blockWidth` columns that is (p + 1)/(2p) of the full GEMM's 2·m·n² flops (9/16 for p = 8).
@_specialize(where T == Float)
@_specialize(where T == Double)
public func lowerTriangularProduct<T: GEMMScalar>(_ a: Matrix<T>, _ l: Matrix<T>, blockWidth: Int = 96,
                                                  parallelism: Parallelism = .serial) -> Matrix<T> {
    precondition(l.rows == l.cols && a.cols == l.rows,
                 "lowerTriangularProduct: A is \(a.rows)×\(a.cols), L \(l.rows)×\(l.cols) must be \(a.cols)×\(a.cols)")
    precondition(blockWidth >= 1, "lowerTriangularProduct: blockWidth must be ≥ 1")
    let n = l.rows
    var c = Matrix<T>(rows: a.rows, cols: n)   // m × n
    guard a.rows > 0, n > 0 else { return c }
    // L's strict upper triangle may hold anything: each diagonal block is copied with zeros above its diagonal.
    let width = Swift.min(blockWidth, n)
    var diagonal = Matrix<T>(rows: width, cols: width)
    a.withView { av in
        l.withView { lv in
            c.withMutableView { cv in
                for lo in stride(from: 0, to: n, by: width) {
                    let hi = Swift.min(n, lo + width), b = hi - lo
                    for i in 0..<b { for j in 0..<b { diagonal[i, j] = j <= i ? lv[lo + i, lo + j] : 0 } }
                    diagonal.withView { dv in
                        gemm(.none, av.block(rows: 0..<a.rows, cols: lo..<hi), .none, dv.block(rows: 0..<b, cols: 0..<b),
                             into: cv.block(rows: 0..<a.rows, cols: lo..<hi), parallelism: parallelism)
                    }
                    if hi < n {
                        gemm(.none, av.block(rows: 0..<a.rows, cols: hi..<n), .none, lv.block(rows: hi..<n, cols: lo..<hi),
                             into: cv.block(rows: 0..<a.rows, cols: lo..<hi), beta: 1, parallelism: parallelism)
                    }
                }
            }
        }
    }
    return c
}

/// The reference: C[i, j] = Σ_{k ≥ j} A[i, k]·L[k, j], one dot product per entry.
public func lowerTriangularProduct_ref<T: GEMMScalar>(_ a: Matrix<T>, _ l: Matrix<T>) -> Matrix<T> {
    precondition(l.rows == l.cols && a.cols == l.rows, "lowerTriangularProduct_ref: shapes do not match")
    let n = l.rows
    return Matrix(rows: a.rows, cols: n) { i, j in
        var sum: T = 0
        for k in j..<n { sum += a[i, k] * l[k, j] }
        return sum
    }
}
