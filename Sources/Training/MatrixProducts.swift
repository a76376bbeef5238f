import GEMM
import LinearAlgebraCore

/// The products and elementwise steps the ops share, on whole owning matrices.
enum MatrixProducts {
    /// C ← α·op(A)·op(B) + β·C through the parallel GEMM.
    static func multiply<T: TrainingScalar>(_ a: Matrix<T>, _ ta: Transpose, _ b: Matrix<T>, _ tb: Transpose,
                                            into c: inout Matrix<T>, alpha: T = 1, beta: T = 0,
                                            parallelism: Parallelism) {
        a.withView { av in
            b.withView { bv in
                c.withMutableView { cv in
                    gemm(ta, av, tb, bv, into: cv, alpha: alpha, beta: beta, variant: .parallel,
                         parallelism: parallelism)
                }
            }
        }
    }

    /// α·op(A)·op(B) as a new matrix.
    static func product<T: TrainingScalar>(_ a: Matrix<T>, _ ta: Transpose, _ b: Matrix<T>, _ tb: Transpose,
                                           alpha: T = 1, parallelism: Parallelism) -> Matrix<T> {
        let m = ta.shape(rows: a.rows, cols: a.cols).rows, n = tb.shape(rows: b.rows, cols: b.cols).cols
        var c: Matrix<T> = unfilled(rows: m, cols: n)
        multiply(a, ta, b, tb, into: &c, alpha: alpha, beta: 0, parallelism: parallelism)
        return c
    }

    /// A rows × cols matrix whose elements are not set: only for an output every element of which is written
    /// before it is read (a GEMM with β = 0 never reads C).
    static func unfilled<T: TrainingScalar>(rows: Int, cols: Int) -> Matrix<T> {
        let count = rows * cols
        return Matrix(rows: rows, cols: cols, elements: [T](unsafeUninitializedCapacity: count) { _, n in n = count })
    }

    /// Adds `v` (cols values) to every row of `y`.
    static func addRowVector<T: TrainingScalar>(_ v: [T], to y: inout Matrix<T>) {
        precondition(v.count == y.cols)
        let n = y.cols
        y.elements.withUnsafeMutableBufferPointer { e in
            v.withUnsafeBufferPointer { b in
                for i in 0..<y.rows { for j in 0..<n { e[i * n + j] += b[j] } }
            }
        }
    }

    /// Σ over rows of `dy` (cols values): the gradient of a bias added to every row.
    static func columnSums<T: TrainingScalar>(_ dy: Matrix<T>) -> [T] {
        var s = [T](repeating: 0, count: dy.cols)
        for i in 0..<dy.rows { for j in 0..<dy.cols { s[j] += dy.elements[i * dy.cols + j] } }
        return s
    }

    /// y ← y + x, elementwise, rows split over `parallelism` when large.
    static func add<T: TrainingScalar>(_ x: Matrix<T>, to y: inout Matrix<T>, parallelism: Parallelism) {
        precondition(x.rows == y.rows && x.cols == y.cols)
        let n = x.cols
        x.elements.withUnsafeBufferPointer { xb in
            y.elements.withUnsafeMutableBufferPointer { yb in
                let src = xb.baseAddress!, dst = yb.baseAddress!
                (x.elements.count >= 1 << 16 ? parallelism : .serial).forEachRange(x.rows) { r in
                    for i in r.lowerBound * n..<r.upperBound * n { dst[i] += src[i] }
                }
            }
        }
    }

    /// Runs `body(rows, base)` on disjoint row ranges of `m` (in parallel when it has ≥ 64 Ki elements).
    static func forEachRowRange<T: TrainingScalar>(_ m: inout Matrix<T>, parallelism: Parallelism,
                                                   _ body: (Range<Int>, UnsafeMutablePointer<T>) -> Void) {
        let rows = m.rows, threads = m.elements.count >= 1 << 16 ? parallelism : .serial
        m.elements.withUnsafeMutableBufferPointer { e in
            guard let base = e.baseAddress else { return }
            threads.forEachRange(rows) { body($0, base) }
        }
    }
}
