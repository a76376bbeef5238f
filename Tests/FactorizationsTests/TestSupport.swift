@testable import Factorizations
import GEMM
import LinearAlgebraCore

// Shared helpers of the factorization tests. Checks run in Double, independently of the GEMM module.

/// op(A)·op(B) in Double, as dot products of contiguous rows of op(A) and op(B)ᵀ (quick even in debug builds).
func product<T: LinalgScalar, U: LinalgScalar>(_ a: Matrix<T>, _ b: Matrix<U>, transA: Transpose = .none,
                                               transB: Transpose = .none) -> Matrix<Double> {
    let left = transA == .none ? a.converted(to: Double.self) : a.converted(to: Double.self).transposed()
    let rightT = transB == .none ? b.converted(to: Double.self).transposed() : b.converted(to: Double.self)
    precondition(left.cols == rightT.cols, "product: shapes do not conform")
    let (m, n, k) = (left.rows, rightT.rows, left.cols)
    var c = [Double](repeating: 0, count: m * n)
    left.elements.withUnsafeBufferPointer { l in
        rightT.elements.withUnsafeBufferPointer { r in
            c.withUnsafeMutableBufferPointer { c in
                for i in 0..<m {
                    for j in 0..<n {
                        var s = 0.0
                        for p in 0..<k { s += l[i * k + p] * r[j * k + p] }
                        c[i * n + j] = s
                    }
                }
            }
        }
    }
    return Matrix(rows: m, cols: n, elements: c)
}

/// ‖A − B‖_F in Double.
func distance<T: LinalgScalar, U: LinalgScalar>(_ a: Matrix<T>, _ b: Matrix<U>) -> Double {
    precondition(a.rows == b.rows && a.cols == b.cols)
    let d = Matrix<Double>(rows: a.rows, cols: a.cols) { a[$0, $1].asDouble - b[$0, $1].asDouble }
    return d.frobeniusNorm
}

/// G·Gᵀ/n + I for Gaussian G (n × n): symmetric positive definite with condition number ≈ 5.
func randomSPD<T: LinalgScalar>(_ n: Int, seed: UInt64, as _: T.Type = T.self) -> Matrix<T> {
    let g = Matrix<Double>.gaussian(rows: n, cols: n, seed: seed)
    let s = product(g, g, transB: .transposed)
    return Matrix<T>(rows: n, cols: n) { i, j in T(s[i, j] / Double(n) + (i == j ? 1 : 0)) }
}

/// Copies `m` into a larger matrix (extra rows and columns filled with `padding`), so views of it are strided.
func padded<T: LinalgScalar>(_ m: Matrix<T>, extraRows: Int = 2, extraCols: Int = 3, padding: T = .nan)
    -> Matrix<T> {
    Matrix(rows: m.rows + extraRows, cols: m.cols + extraCols) { i, j in
        i < m.rows && j < m.cols ? m[i, j] : padding
    }
}

/// A well-conditioned triangular matrix: off-diagonal entries uniform in [−1, 1), diagonal ±(1 + n/4 + |u|)
/// (dominant), the other triangle NaN (so reading it would show). When `unit`, the diagonal is NaN (taken as 1)
/// and the off-diagonal entries are divided by n so that the unit diagonal still dominates.
func randomTriangular<T: LinalgScalar>(_ n: Int, part: TriangularPart, diagonal: Diagonal, seed: UInt64,
                                       as _: T.Type = T.self) -> Matrix<T> {
    var g = SeededGenerator(seed: seed)
    return Matrix(rows: n, cols: n) { i, j in
        let u = g.nextUniform() * 2 - 1
        if i == j {
            return diagonal == .unit ? .nan : T((u < 0 ? -1 : 1) * (1 + Double(n) / 4 + abs(u)))
        }
        return (part == .lower) == (i > j) ? T(diagonal == .unit ? u / Double(n) : u) : .nan
    }
}

/// The dense triangular matrix a triangular operand stands for (other triangle 0, diagonal 1 when unit).
func explicitTriangle<T: LinalgScalar>(_ a: Matrix<T>, part: TriangularPart, diagonal: Diagonal) -> Matrix<T> {
    Matrix(rows: a.rows, cols: a.cols) { i, j in
        if i == j { return diagonal == .unit ? 1 : a[i, j] }
        return (part == .lower) == (i > j) ? a[i, j] : 0
    }
}

extension Matrix {
    var isFinite: Bool { elements.allSatisfy { $0.isFinite } }
}
