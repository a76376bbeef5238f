import GEMM
import LinearAlgebraCore

/// Substitution on one small diagonal block, after packing it: the leaf of the blocked triangular solve.
///
/// `packDiagonalBlock` copies op(A) (n × n, n ≤ the block size) into `pack` (n × n, row-major) in its
/// effective orientation, with ones on the diagonal when `unit`; the kernels then read only contiguous rows.
struct TriangularLeaf<T: LinalgScalar> {
    /// n × n, row-major: op(A)'s triangle (effective orientation) and diagonal; the other triangle is unused.
    let pack: UnsafeMutablePointer<T>
    let n: Int
    let lower: Bool

    /// Columns of B handled together by a left solve, so the rows being combined stay in L1/L2.
    static var leftColumnTile: Int { 256 }

    @inline(__always)
    init(packing a: MatrixView<T>, transpose: Transpose, diagonal: Diagonal, lower: Bool,
         into pack: UnsafeMutablePointer<T>) {
        let n = a.rows
        self.pack = pack
        self.n = n
        self.lower = lower
        let trans = transpose == .transposed
        for i in 0..<n {
            let (lo, hi) = lower ? (0, i) : (i + 1, n)  // off-diagonal columns of row i of op(A)
            let row = pack + i * n
            if trans {
                for j in lo..<hi { row[j] = a[j, i] }
            } else {
                (row + lo).update(from: a.base + i * a.rowStride + lo, count: hi - lo)
            }
            row[i] = diagonal == .unit ? 1 : a[i, i]
        }
    }

    /// B ← op(A)⁻¹·B for B n × p (any p), in place.
    @inline(__always)
    func solveLeft(_ b: MutableMatrixView<T>) {
        let p = b.cols
        var jc = 0
        while jc < p {
            let w = Swift.min(Self.leftColumnTile, p - jc)
            if lower {
                for i in 0..<n {
                    let row = b.base + i * b.rowStride + jc
                    for k in 0..<i { axpy(-pack[i * n + k], b.base + k * b.rowStride + jc, row, count: w) }
                    divide(row, by: pack[i * n + i], count: w)
                }
            } else {
                for i in stride(from: n - 1, through: 0, by: -1) {
                    let row = b.base + i * b.rowStride + jc
                    for k in (i + 1)..<n { axpy(-pack[i * n + k], b.base + k * b.rowStride + jc, row, count: w) }
                    divide(row, by: pack[i * n + i], count: w)
                }
            }
            jc += w
        }
    }

    /// B ← B·op(A)⁻¹ for B p × n (any p), in place; rows are independent.
    @inline(__always)
    func solveRight(_ b: MutableMatrixView<T>) {
        for r in 0..<b.rows {
            let x = b.base + r * b.rowStride
            if lower {
                // x·L = b: the last unknown first, then remove its share x_j·L[j, 0..<j] from the rest.
                for j in stride(from: n - 1, through: 0, by: -1) {
                    let xj = x[j] / pack[j * n + j]
                    x[j] = xj
                    axpy(-xj, pack + j * n, x, count: j)
                }
            } else {
                for j in 0..<n {
                    let xj = x[j] / pack[j * n + j]
                    x[j] = xj
                    axpy(-xj, pack + j * n + j + 1, x + j + 1, count: n - j - 1)
                }
            }
        }
    }

    @inline(__always)
    private func divide(_ x: UnsafeMutablePointer<T>, by d: T, count w: Int) {
        if d == 1 { return }
        for t in 0..<w { x[t] /= d }
    }
}
